package wgexit_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

func TestRateLimitCapsTransfer(t *testing.T) {
	const rate = 256 << 10
	tests := []struct {
		name           string
		leaseRate, cap int64
	}{
		{"lease rate", rate, 0},
		{"exit cap", 0, rate},
		{"exit cap below the lease rate", 4 * rate, rate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canary := wgtest.StartCanary(t)
			env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
			env.Exit.SetMaxRate(tt.cap)
			buyer := env.Buyer(t, wgexit.Peer{LeaseID: "ls_rate", RateBps: tt.leaseRate})
			client := buyer.HTTPClient(0)
			resp, err := client.Get(canary.URL + "/bytes/67108864")
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			start := time.Now()
			go func() { time.Sleep(2 * time.Second); resp.Body.Close() }()
			got, _ := io.Copy(io.Discard, resp.Body)
			elapsed := time.Since(start)
			// One burst (a tenth of the rate, or 16 KiB) plus the rate for
			// the time measured, with half again for scheduling: a loose
			// bound that an unshaped loopback transfer exceeds by orders of
			// magnitude.
			limit := int64(float64(rate)*elapsed.Seconds()*1.5) + 64<<10
			if got > limit || got == 0 {
				t.Errorf("got %d bytes in %v at %d B/s, want between 1 and %d", got, elapsed, rate, limit)
			}
			if total := env.Meter.Lease("ls_rate").Totals().Sum(); total > limit+4096 {
				t.Errorf("got %d bytes metered, want at most %d", total, limit+4096)
			}
		})
	}
}

func TestMaxBytesRemovesPeer(t *testing.T) {
	const maxBytes = 100_000
	canary := wgtest.StartCanary(t)
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
	buyer := env.Buyer(t, wgexit.Peer{LeaseID: "ls_cap", MaxBytes: maxBytes})
	n, err := fetch(t, buyer, canary, 1<<20)
	if err == nil && n == 1<<20 {
		t.Fatalf("fetched all %d bytes past a cap of %d", n, maxBytes)
	}
	eventually(t, 5*time.Second, "peer removed at the cap", func() (bool, string) {
		return len(env.Exit.Peers()) == 0, "peers remain"
	})
	if got := env.Meter.Lease("ls_cap").Totals().Sum(); got != maxBytes {
		t.Errorf("got %d bytes metered, want exactly the cap %d", got, maxBytes)
	}
	_, err = env.Exit.AddPeer(wgexit.Peer{LeaseID: "ls_cap", PublicKey: wgtest.PublicKey(t, wgtest.NewKey(t)), MaxBytes: maxBytes})
	if !errors.Is(err, wgexit.ErrCapReached) {
		t.Errorf("AddPeer to a spent lease: got %v, want ErrCapReached", err)
	}
}

// dialFails checks that a TCP dial through b does not succeed within a
// short timeout and that b never completed a handshake.
func dialFails(t *testing.T, b *wgtest.Buyer, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if c, err := b.Dial(ctx, addr); err == nil {
		c.Close()
		t.Fatalf("dial %s: got a connection, want none", addr)
	}
	if hs := b.LastHandshake(t); !hs.IsZero() {
		t.Errorf("got a handshake at %v, want none", hs)
	}
}

func TestRemoveLeaseEndsHandshakes(t *testing.T) {
	canary := wgtest.StartCanary(t)
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
	first := env.Buyer(t, wgexit.Peer{LeaseID: "ls_gone"})
	second := env.Buyer(t, wgexit.Peer{LeaseID: "ls_gone"})
	kept := env.Buyer(t, wgexit.Peer{LeaseID: "ls_kept"})
	for _, b := range []*wgtest.Buyer{first, second, kept} {
		if _, err := fetch(t, b, canary, 10); err != nil {
			t.Fatalf("fetch before removal: %v", err)
		}
	}
	if err := env.Exit.RemoveLease("ls_gone"); err != nil {
		t.Fatalf("RemoveLease: %v", err)
	}
	if got := env.Exit.Peers(); len(got) != 1 || got[0].LeaseID != "ls_kept" {
		t.Fatalf("got peers %+v, want only ls_kept's", got)
	}
	if _, err := fetch(t, kept, canary, 10); err != nil {
		t.Errorf("fetch of the other lease after removal: %v", err)
	}
	// A fresh client with the removed key must handshake again, and gets
	// no answer.
	again := wgtest.Connect(t, first.Config)
	dialFails(t, again, canary.Addr)
	if err := env.Exit.RemoveLease("ls_gone"); !errors.Is(err, wgexit.ErrUnknownPeer) {
		t.Errorf("second RemoveLease: got %v, want ErrUnknownPeer", err)
	}
}

func TestUnknownKeyGetsNoAnswer(t *testing.T) {
	canary := wgtest.StartCanary(t)
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
	key := wgtest.NewKey(t)
	stranger := wgtest.Connect(t, env.Exit.Config(wgexit.Assigned{
		IPv4: mustAddr("10.200.0.77"), IPv6: mustAddr("fd00:5e::77"),
	}, key.String(), env.Endpoint))
	dialFails(t, stranger, canary.Addr)
	if got := canary.Conns(); got != 0 {
		t.Errorf("got %d connections at the canary, want 0", got)
	}
}

func TestRemovePeer(t *testing.T) {
	canary := wgtest.StartCanary(t)
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
	b := env.Buyer(t, wgexit.Peer{LeaseID: "ls_rm"})
	pub := wgtest.PublicKey(t, b.Key)
	tests := []struct {
		name string
		want error
	}{
		{name: "present", want: nil},
		{name: "already removed", want: wgexit.ErrUnknownPeer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := env.Exit.RemovePeer(pub); !errors.Is(err, tt.want) {
				t.Errorf("RemovePeer: got %v, want %v", err, tt.want)
			}
		})
	}
	if got := env.Exit.Peers(); len(got) != 0 {
		t.Errorf("got %d peers, want 0", len(got))
	}
}
