package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/audit"
	"github.com/sparelink/sparelink/metering/meter"
)

// countersignWait bounds the wait for the exits' last receipts to be
// countersigned: they are sent within the exits' receipt interval (2s).
const countersignWait = 15 * time.Second

// waitCountersigned waits until the buyer's gateway has countersigned a
// receipt for everything each exit counted, so that the upload that
// follows bills every byte.
func (m *Market) waitCountersigned(ctx context.Context) error {
	deadline := time.Now().Add(countersignWait)
	for {
		stats, pending := m.pool.ReceiptStats(), 0
		for _, a := range m.agents {
			if stats[a.agent.NodeID()].Countersigned != a.agent.Meter().Lease(m.lease.ID).Totals() {
				pending++
			}
		}
		if pending == 0 {
			m.progress("the gateway countersigned every exit's last receipt")
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d exits still wait for countersigned receipts", pending)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// exitLine is one exit's statement line: what it counted, what the buyer
// counted and countersigned, and what the broker billed.
func (m *Market) exitLine(a *runningAgent, exit meter.Totals, u api.ExitUsage) ExitLine {
	b := m.pool.ReceiptStats()[a.agent.NodeID()]
	return ExitLine{
		NodeID: a.agent.NodeID(), Operator: a.site.Operator,
		Region:  a.site.Region.City + ", " + a.site.Region.Country,
		BytesUp: exit.Up, BytesDown: exit.Down, ChargedMicros: u.ChargedMicros,
		BuyerUp: b.Counted.Up, BuyerDown: b.Counted.Down,
		CountersignedUp: b.Countersigned.Up, CountersignedDown: b.Countersigned.Down,
		BilledUp: u.BytesUp, BilledDown: u.BytesDown,
	}
}

// readEvidence counts the lease's disputes and checks its receipt export
// offline.
func (m *Market) readEvidence(ctx context.Context, s *Statement) error {
	ds, err := m.buyer.LeaseDisputes(ctx, m.lease.ID)
	if err != nil {
		return fmt.Errorf("disputes: %w", err)
	}
	s.Disputes = len(ds.Disputes)
	data, err := m.buyer.ExportReceipts(ctx, m.lease.ID)
	if err != nil {
		return fmt.Errorf("receipt export: %w", err)
	}
	x, err := audit.Read(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("receipt export: %w", err)
	}
	bill, err := audit.Verify(x)
	if err != nil {
		m.log.Warn("receipt export does not verify: " + err.Error())
		return nil
	}
	s.ExportVerified, s.ExportChargeMicros = true, bill.Total.ChargeMicros
	return nil
}

// printEvidence writes the dispute count and the export check.
func (s Statement) printEvidence(w io.Writer) {
	verdict := "NO"
	if s.ExportVerified {
		verdict = "yes: every signature, countersignature and hash link checks; bill " + Money(s.ExportChargeMicros)
	}
	fmt.Fprintf(w, "disputes        %d\nreceipt export  %s\n", s.Disputes, verdict)
}
