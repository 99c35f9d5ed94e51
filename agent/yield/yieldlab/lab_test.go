package yieldlab

import (
	"context"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/testenv"
)

func TestMain(m *testing.M) {
	Hook()
	os.Exit(m.Run())
}

// TestGoodNeighbour runs the whole scenario on a 40 Mbit/s link shaped
// with tbf between two namespaces: relay alone, then a household asking
// for half the link, then relay alone again.
func TestGoodNeighbour(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	testenv.NeedTool(t, "tc")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := Run(ctx, Config{}, zaptest.NewLogger(t))
	defer func() {
		if t.Failed() {
			t.Logf("result %+v\ntimeline:\n%s", r, r.Log)
		}
	}()
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checks := []struct {
		name      string
		ok        bool
		got, want string
	}{
		{"relay yields within 2 s", r.Dropped && r.Reaction <= 2*time.Second,
			r.Reaction.String(), "at most 2s"},
		{"household gets its share", r.HouseholdBps >= r.HouseholdDemandBps*9/10,
			mb(r.HouseholdBps), "at least 90% of " + mb(r.HouseholdDemandBps)},
		{"relay and household fit in the link", r.RelayDuringBps+r.HouseholdBps <= r.LinkBps,
			mb(r.RelayDuringBps + r.HouseholdBps), "at most " + mb(r.LinkBps)},
		{"relay keeps using what is left", r.RelayDuringBps >= r.LinkBps/10,
			mb(r.RelayDuringBps), "at least 10% of " + mb(r.LinkBps)},
		{"relay recovers", r.Recovered && r.Recovery <= 15*time.Second,
			r.Recovery.String(), "at most 15s"},
		{"relay delivers as before after recovery", r.RelayAfterBps >= r.RelayBeforeBps*8/10,
			mb(r.RelayAfterBps), "at least 80% of " + mb(r.RelayBeforeBps)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %s, want %s", c.name, c.got, c.want)
		}
	}
	t.Logf("reaction %v, recovery %v; relay %s before, %s beside a household getting %s, %s after",
		r.Reaction, r.Recovery, mb(r.RelayBeforeBps), mb(r.RelayDuringBps), mb(r.HouseholdBps), mb(r.RelayAfterBps))
}
