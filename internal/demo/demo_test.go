package demo

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/metering/billing"
)

// TestMarket runs the demo's whole flow in-process over real loopback
// sockets and a real SQLite file, and checks the books.
func TestMarket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := Start(ctx, Config{DataDir: t.TempDir(), DownloadBytes: 3 << 20, UploadBytes: 1 << 20}, zaptest.NewLogger(t))
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	traffic, err := m.RunTraffic(ctx)
	if err != nil {
		t.Fatalf("RunTraffic: %v", err)
	}
	if err := m.Settle(ctx, true); err != nil {
		t.Fatalf("Settle: %v", err)
	}
	s, err := m.Statement(ctx)
	if err != nil {
		t.Fatalf("Statement: %v", err)
	}
	t.Logf("traffic %+v\nstatement %+v", traffic, s)

	// Every byte the origin saw on its sockets crossed an exit, and the
	// exits counted exactly that: TCP payload between exit and destination
	// has no per-connection overhead to allow for.
	if s.BytesUp != s.OriginBytesUp || s.BytesDown != s.OriginBytesDown {
		t.Errorf("exits metered up %d down %d, origin saw up %d down %d", s.BytesUp, s.BytesDown, s.OriginBytesUp, s.OriginBytesDown)
	}
	if s.BytesDown < traffic.DownloadedBytes || s.BytesUp < traffic.UploadedBytes {
		t.Errorf("exits metered up %d down %d, less than the %d up %d down payload", s.BytesUp, s.BytesDown, traffic.UploadedBytes, traffic.DownloadedBytes)
	}
	// The buyer's gateway counted the same tunnel payload.
	if s.BuyerBytesUp != s.BytesUp || s.BuyerBytesDown != s.BytesDown {
		t.Errorf("buyer counted up %d down %d, exits up %d down %d", s.BuyerBytesUp, s.BuyerBytesDown, s.BytesUp, s.BytesDown)
	}
	// Everything metered was settled.
	if s.MeteredBytes != s.BytesUp+s.BytesDown {
		t.Errorf("settled %d bytes, exits metered %d", s.MeteredBytes, s.BytesUp+s.BytesDown)
	}
	if len(s.Exits) < 2 {
		t.Errorf("traffic used %d exits, want the rotation to use at least 2", len(s.Exits))
	}
	checkMoney(t, s)
	checkReconciled(t, s)
}

// checkReconciled checks that every exit's own count, the buyer's count,
// what the buyer countersigned and what the broker billed agree, and that
// the receipt export verifies to the same charge.
func checkReconciled(t *testing.T, s Statement) {
	t.Helper()
	for _, e := range s.Exits {
		exit := [2]int64{e.BytesUp, e.BytesDown}
		for name, got := range map[string][2]int64{
			"buyer-counted": {e.BuyerUp, e.BuyerDown},
			"countersigned": {e.CountersignedUp, e.CountersignedDown},
			"billed":        {e.BilledUp, e.BilledDown},
		} {
			if got != exit {
				t.Errorf("exit %s: %s up/down %v, exit-counted %v", e.NodeID, name, got, exit)
			}
		}
	}
	if s.Disputes != 0 {
		t.Errorf("got %d disputes in an honest session, want 0", s.Disputes)
	}
	if !s.ExportVerified || s.ExportChargeMicros != s.BuyerChargedMicros {
		t.Errorf("export verified %v with charge %d, want a verified charge of %d", s.ExportVerified, s.ExportChargeMicros, s.BuyerChargedMicros)
	}
}

func checkMoney(t *testing.T, s Statement) {
	t.Helper()
	if s.BuyerChargedMicros <= 0 {
		t.Fatalf("buyer charged %d, want a positive charge", s.BuyerChargedMicros)
	}
	// charge = metered bytes × price, per exit, rounded down.
	var want int64
	for _, e := range s.Exits {
		want += billing.Charge(e.BytesUp+e.BytesDown, s.PriceMicrosPerGB)
	}
	if s.BuyerChargedMicros != want {
		t.Errorf("buyer charged %d, want %d from the exits' counts at %d per GB", s.BuyerChargedMicros, want, s.PriceMicrosPerGB)
	}
	if s.SellerEarnedMicros+s.FeeMicros != s.BuyerChargedMicros {
		t.Errorf("seller %d + fee %d != charge %d", s.SellerEarnedMicros, s.FeeMicros, s.BuyerChargedMicros)
	}
	if s.FeeMicros != billingFee(t, s) {
		t.Errorf("fee %d, want 10%% of each exit's charge (%d)", s.FeeMicros, billingFee(t, s))
	}
	// The lease is closed: nothing stays held, and the buyer keeps the rest.
	if s.BuyerHeld != 0 || s.BuyerAvailable != BuyerCreditMicros-s.BuyerChargedMicros {
		t.Errorf("buyer available %d held %d, want %d and 0", s.BuyerAvailable, s.BuyerHeld, BuyerCreditMicros-s.BuyerChargedMicros)
	}
	if !s.LedgerBalanced {
		t.Error("ledger does not balance")
	}
}

func billingFee(t *testing.T, s Statement) int64 {
	t.Helper()
	var fee int64
	for _, e := range s.Exits {
		fee += billing.Fee(e.ChargedMicros, 1000)
	}
	return fee
}
