package wgexit_test

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %v: %s", what, within, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fetch GETs /bytes/n from the canary through the buyer and returns the
// body length.
func fetch(t *testing.T, b *wgtest.Buyer, c *wgtest.Canary, n int) (int64, error) {
	t.Helper()
	resp, err := b.HTTPClient(20 * time.Second).Get(fmt.Sprintf("%s/bytes/%d", c.URL, n))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

// meterMatches waits until the lease's meter equals what the canary read
// and wrote, and returns the totals.
func meterMatches(t *testing.T, env *wgtest.Env, lease string, c *wgtest.Canary) meter.Totals {
	t.Helper()
	var got meter.Totals
	eventually(t, 5*time.Second, "meter equals the canary's bytes", func() (bool, string) {
		got = env.Meter.Lease(lease).Totals()
		want := meter.Totals{Up: c.Read(), Down: c.Written()}
		return got == want, fmt.Sprintf("got %+v, want %+v", got, want)
	})
	return got
}

func TestFetchThroughExitIsMeteredExactly(t *testing.T) {
	canary := wgtest.StartCanary(t)
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
	buyer := env.Buyer(t, wgexit.Peer{LeaseID: "ls_fetch"})
	tests := []struct {
		name string
		size int
	}{
		{name: "empty body", size: 0},
		{name: "one segment", size: 1000},
		{name: "a megabyte", size: 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fetch(t, buyer, canary, tt.size)
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if got != int64(tt.size) {
				t.Errorf("got %d body bytes, want %d", got, tt.size)
			}
			totals := meterMatches(t, env, "ls_fetch", canary)
			if totals.Down < int64(tt.size) {
				t.Errorf("got Down %d, want at least the body's %d", totals.Down, tt.size)
			}
		})
	}
	peers := env.Exit.Peers()
	if len(peers) != 1 || peers[0].LastHandshake.IsZero() || peers[0].RxBytes == 0 || peers[0].TxBytes == 0 {
		t.Errorf("got peers %+v, want one with a handshake and traffic both ways", peers)
	}
	if _, err := env.Exit.AddPeer(wgexit.Peer{LeaseID: "other", PublicKey: peers[0].PublicKey}); err == nil {
		t.Errorf("AddPeer with a key in use: got nil error, want ErrPeerExists")
	}
}

func TestCloseReturnsGoroutines(t *testing.T) {
	canary := wgtest.StartCanary(t)
	before := runtime.NumGoroutine()
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
	buyer := env.Buyer(t, wgexit.Peer{LeaseID: "ls_close"})
	if _, err := fetch(t, buyer, canary, 5000); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if during := runtime.NumGoroutine(); during <= before {
		t.Fatalf("got %d goroutines with an exit and a buyer running, want more than the %d before", during, before)
	}
	if err := env.Exit.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := env.Exit.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := env.Exit.AddPeer(wgexit.Peer{LeaseID: "x", PublicKey: [32]byte{1}}); !errors.Is(err, wgexit.ErrClosed) {
		t.Errorf("AddPeer after Close: got %v, want ErrClosed", err)
	}
	buyer.Close()
	eventually(t, 5*time.Second, "goroutines back to the baseline", func() (bool, string) {
		now := runtime.NumGoroutine()
		return now <= before, fmt.Sprintf("got %d goroutines, baseline %d", now, before)
	})
}
