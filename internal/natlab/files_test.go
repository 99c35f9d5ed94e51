package natlab

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/meter"
)

// What the hosts tell each other, one JSON file each in the shared
// directory.
type (
	// inetInfo is written by the internet host.
	inetInfo struct {
		URL, OperatorKey, BuyerKey string
		STUN, STUNAlt              string
		Canary                     string
		BodyLen                    int
		RelayID                    string
	}
	// agentInfo is written by each agent once it is registered.
	agentInfo struct {
		NodeID string
		Reach  api.Reachability
	}
	// buyerResult is one exit as the buyer reached it.
	buyerResult struct {
		Agent     string
		Via       string // viaNatdial or viaGateway
		Kind      string // punched or relayed
		Pair      string
		Got       int
		UsageDown int64 // the broker's settled count for the lease
		Err       string
	}
	// relayMeter is the relay's count of its leg, per node.
	relayMeter map[string]meter.Totals
)

func writeJSON(t testing.TB, dir, name string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, name+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// readJSON waits up to d for the file and decodes it.
func readJSON(t testing.TB, dir, name string, d time.Duration, v any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatalf("natlab: %s: %v", name, err)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("natlab: no %s within %v", name, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
