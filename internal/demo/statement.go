package demo

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/billing"
)

// ExitLine is one exit's part of the statement.
type ExitLine struct {
	NodeID        string `json:"node_id"`
	Operator      string `json:"operator"`
	Region        string `json:"region"`
	BytesUp       int64  `json:"bytes_up"`
	BytesDown     int64  `json:"bytes_down"`
	ChargedMicros int64  `json:"charged_micros"`
	// BuyerUp and BuyerDown are what the buyer's gateway counted through
	// this exit; CountersignedUp and CountersignedDown what it
	// countersigned; BilledUp and BilledDown what the broker settled.
	BuyerUp           int64 `json:"buyer_up"`
	BuyerDown         int64 `json:"buyer_down"`
	CountersignedUp   int64 `json:"countersigned_up"`
	CountersignedDown int64 `json:"countersigned_down"`
	BilledUp          int64 `json:"billed_up"`
	BilledDown        int64 `json:"billed_down"`
}

// Statement is the demo's result, every figure read back from the exits'
// meters, the gateway's count, the origin's count and the broker's ledger.
type Statement struct {
	LeaseID            string     `json:"lease_id"`
	LeaseStatus        string     `json:"lease_status"`
	Exits              []ExitLine `json:"exits"`
	BytesUp            int64      `json:"bytes_up"`   // metered at the exits, buyer → destination
	BytesDown          int64      `json:"bytes_down"` // metered at the exits, destination → buyer
	BuyerBytesUp       int64      `json:"buyer_bytes_up"`
	BuyerBytesDown     int64      `json:"buyer_bytes_down"`
	OriginBytesUp      int64      `json:"origin_bytes_up"`
	OriginBytesDown    int64      `json:"origin_bytes_down"`
	MeteredBytes       int64      `json:"metered_bytes"` // settled by the broker
	PriceMicrosPerGB   int64      `json:"price_micros_per_gb"`
	BuyerChargedMicros int64      `json:"buyer_charged_micros"`
	SellerEarnedMicros int64      `json:"seller_earned_micros"`
	FeeMicros          int64      `json:"fee_micros"`
	BuyerAvailable     int64      `json:"buyer_available_micros"`
	BuyerHeld          int64      `json:"buyer_held_micros"`
	LedgerBalanced     bool       `json:"ledger_balanced"`
	// Disputes counts the lease's metering disputes; ExportVerified says
	// the lease's receipt export checked offline (metering/audit) and
	// ExportChargeMicros is the charge it recomputes.
	Disputes           int   `json:"disputes"`
	ExportVerified     bool  `json:"export_verified"`
	ExportChargeMicros int64 `json:"export_charge_micros"`
}

// Settle uploads the agents' last receipts and, when closeLease is set,
// closes the lease so its unused hold returns to the buyer.
func (m *Market) Settle(ctx context.Context, closeLease bool) error {
	if err := m.waitCountersigned(ctx); err != nil {
		return err
	}
	for _, a := range m.agents {
		if err := a.agent.Flush(ctx); err != nil {
			return fmt.Errorf("agent %s receipts: %w", a.agent.NodeID(), err)
		}
	}
	m.progress("exits uploaded their signed receipts; the broker settled them")
	if closeLease {
		if _, err := m.buyer.CloseLease(ctx, m.lease.ID); err != nil {
			return fmt.Errorf("close lease: %w", err)
		}
		m.progress("lease closed; the unused hold went back to the buyer")
	}
	return nil
}

// Statement reads the lease's settlement back from the broker.
func (m *Market) Statement(ctx context.Context) (Statement, error) {
	s := Statement{LeaseID: m.lease.ID, PriceMicrosPerGB: m.lease.PriceMicrosPerGB}
	usage, err := m.buyer.Usage(ctx, m.lease.ID)
	if err != nil {
		return s, fmt.Errorf("usage: %w", err)
	}
	settled := make(map[string]api.ExitUsage)
	for _, u := range usage.Exits {
		settled[u.NodeID] = u
		s.MeteredBytes += u.BytesUp + u.BytesDown
	}
	for _, a := range m.agents {
		t := a.agent.Meter().Lease(m.lease.ID).Totals()
		s.BytesUp += t.Up
		s.BytesDown += t.Down
		if t.Sum() == 0 && settled[a.agent.NodeID()].Seq == 0 {
			continue
		}
		s.Exits = append(s.Exits, m.exitLine(a, t, settled[a.agent.NodeID()]))
	}
	buyer := m.buyerCount.Totals()
	s.BuyerBytesUp, s.BuyerBytesDown = buyer.Up, buyer.Down
	origin := m.origin.Totals()
	s.OriginBytesUp, s.OriginBytesDown = origin.Up, origin.Down
	s.BuyerChargedMicros, s.FeeMicros = usage.ChargedMicros, usage.FeeMicros
	if err := m.readEvidence(ctx, &s); err != nil {
		return s, err
	}
	return s, m.readBooks(ctx, &s)
}

func (m *Market) readBooks(ctx context.Context, s *Statement) error {
	l, err := m.buyer.Lease(ctx, m.lease.ID)
	if err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	s.LeaseStatus = l.Status
	bal, err := m.buyer.Balance(ctx)
	if err != nil {
		return fmt.Errorf("buyer balance: %w", err)
	}
	s.BuyerAvailable, s.BuyerHeld = bal.AvailableMicros, bal.HeldMicros
	for _, op := range m.operators {
		b, err := op.client.Balance(ctx)
		if err != nil {
			return fmt.Errorf("operator balance: %w", err)
		}
		s.SellerEarnedMicros += b.EarnedMicros
	}
	check, err := m.admin.CheckLedger(ctx)
	if err != nil {
		return fmt.Errorf("ledger check: %w", err)
	}
	s.LedgerBalanced = check.Balanced
	return nil
}

// ExpectedCharge is what the buyer must pay for the exits' counts: the
// per-exit cumulative charge rule of metering/billing.
func (s Statement) ExpectedCharge() int64 {
	var total int64
	for _, e := range s.Exits {
		total += billing.Charge(e.BytesUp+e.BytesDown, s.PriceMicrosPerGB)
	}
	return total
}

// Print writes the statement for people.
func (s Statement) Print(w io.Writer) {
	fmt.Fprintf(w, "\nSpareLink demo statement — lease %s (%s)\n\n", s.LeaseID, s.LeaseStatus)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "exit\toperator\tregion\texit-counted\tbuyer-counted\tcountersigned\tbilled\tcharged\t")
	for _, e := range s.Exits {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t\n", e.NodeID, e.Operator, e.Region,
			e.BytesUp+e.BytesDown, e.BuyerUp+e.BuyerDown, e.CountersignedUp+e.CountersignedDown,
			e.BilledUp+e.BilledDown, Money(e.ChargedMicros))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nbytes counted   up %d, down %d at the exits; up %d, down %d at the buyer; up %d, down %d at the origin\n",
		s.BytesUp, s.BytesDown, s.BuyerBytesUp, s.BuyerBytesDown, s.OriginBytesUp, s.OriginBytesDown)
	fmt.Fprintf(w, "metered (settled) %d bytes at %s per GB\n", s.MeteredBytes, Money(s.PriceMicrosPerGB))
	fmt.Fprintf(w, "buyer charged   %s\nseller earnings %s\nbroker fee      %s\n",
		Money(s.BuyerChargedMicros), Money(s.SellerEarnedMicros), Money(s.FeeMicros))
	fmt.Fprintf(w, "buyer balance   %s available, %s held\n", Money(s.BuyerAvailable), Money(s.BuyerHeld))
	verdict := "yes: every transaction sums to zero"
	if !s.LedgerBalanced {
		verdict = "NO"
	}
	fmt.Fprintf(w, "ledger balanced %s\n", verdict)
	s.printEvidence(w)
}

// Money formats micro-units as units with six decimals.
func Money(micros int64) string {
	sign := ""
	if micros < 0 {
		sign, micros = "-", -micros
	}
	return fmt.Sprintf("%s%d.%06d", sign, micros/1_000_000, micros%1_000_000)
}
