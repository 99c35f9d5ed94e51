package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/store"
)

// Settle applies one verified cumulative receipt for (s.LeaseID, s.NodeID).
// Only the increase over what is already settled for the pair moves money,
// in one transaction: the buyer's held book pays CumChargeMicros minus what
// was charged before, the node's operator earns that less the fee increase
// (clamped to 0..charge), and broker:fees takes the fee.
//
// Nothing moves (Applied=false) when the receipt is not newer (Seq at or
// below the stored one) or charges nothing new, or when the lease has no
// hold left: an exhausted lease used it up and a closed or expired lease
// released it, so late receipts are recorded but not paid. Byte counts and
// Seq are still raised to the receipt's when larger, so Usage shows what
// the exit reported. A charge above the remaining hold is capped to it, the
// fee is then recomputed as floor(capped*FeeBPS/10000), and the lease
// becomes exhausted.
func (s *Store) Settle(ctx context.Context, st store.Settlement) (store.SettleResult, error) {
	if st.LeaseID == "" || st.NodeID == "" || st.Seq > math.MaxInt64 {
		return store.SettleResult{}, fmt.Errorf("settle lease %q node %q seq %d: %w",
			st.LeaseID, st.NodeID, st.Seq, store.ErrInvalid)
	}
	var res store.SettleResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.settle(ctx, tx, st)
		return err
	})
	if err != nil {
		return store.SettleResult{}, fmt.Errorf("settle lease %s node %s: %w", st.LeaseID, st.NodeID, err)
	}
	return res, nil
}

// settle is Settle inside its transaction.
func (s *Store) settle(ctx context.Context, tx *sql.Tx, st store.Settlement) (store.SettleResult, error) {
	l, err := leaseRowByID(ctx, tx, st.LeaseID)
	if err != nil {
		return store.SettleResult{}, err
	}
	var operator string
	err = tx.QueryRowContext(ctx, `SELECT operator_id FROM nodes WHERE id = ?`, st.NodeID).Scan(&operator)
	if err != nil {
		return store.SettleResult{}, fmt.Errorf("node %s: %w", st.NodeID, notFound(err))
	}
	u, seen, err := usageRow(ctx, tx, st.LeaseID, st.NodeID)
	if err != nil {
		return store.SettleResult{}, err
	}
	next, o := advance(l, u, seen, st)
	if seen && next == u {
		return store.SettleResult{}, nil
	}
	rec := store.SettlementRecord{LeaseID: st.LeaseID, NodeID: st.NodeID, OperatorID: operator, Seq: next.seq,
		BytesUp: next.up - u.up, BytesDown: next.down - u.down, ChargedMicros: o.charge, FeeMicros: o.fee}
	if o.charge > 0 {
		if rec.TxnID, err = s.charge(ctx, tx, l, operator, o); err != nil {
			return store.SettleResult{}, err
		}
	}
	if err := s.writeUsage(ctx, tx, st.LeaseID, st.NodeID, next); err != nil {
		return store.SettleResult{}, err
	}
	if err := s.recordSettlement(ctx, tx, rec); err != nil {
		return store.SettleResult{}, err
	}
	return store.SettleResult{
		Applied:       o.charge > 0,
		ChargedMicros: o.charge,
		FeeMicros:     o.fee,
		SellerMicros:  o.charge - o.fee,
		Exhausted:     o.exhausted,
	}, nil
}

// outcome is the money one receipt moves.
type outcome struct {
	charge, fee int64
	exhausted   bool
}

// advance applies store.Advance, the settlement rule every engine shares,
// to this engine's usage row.
func advance(l leaseRow, u usageState, seen bool, st store.Settlement) (usageState, outcome) {
	c, m := store.Advance(l.remaining(), l.FeeBPS,
		store.Cumulative{Seq: u.seq, Up: u.up, Down: u.down, Charged: u.charged, Fee: u.fee}, seen, st)
	next := usageState{seq: c.Seq, up: c.Up, down: c.Down, charged: c.Charged, fee: c.Fee, updatedAt: u.updatedAt}
	return next, outcome{charge: m.Charge, fee: m.Fee, exhausted: m.Exhausted}
}

// charge posts one charge transaction, updates the lease's totals and
// returns the transaction's ID.
func (s *Store) charge(ctx context.Context, tx *sql.Tx, l leaseRow, operator string, o outcome) (string, error) {
	txnID, err := s.post(ctx, tx, l.ID,
		posting{heldBook(l.BuyerID), -o.charge, kindCharge},
		posting{sellerBook(operator), o.charge - o.fee, kindCharge},
		posting{feesBook, o.fee, kindFee})
	if err != nil {
		return "", err
	}
	status, ended := l.Status, int64(0)
	if o.exhausted {
		status, ended = store.LeaseExhausted, toNanos(s.now())
	}
	// ended_at stays as it was unless this charge ends the lease.
	_, err = tx.ExecContext(ctx, `UPDATE leases SET charged_micros = charged_micros + ?, status = ?,
		ended_at = CASE WHEN ? > 0 THEN ? ELSE ended_at END WHERE id = ?`,
		o.charge, string(status), ended, ended, l.ID)
	if err != nil {
		return "", fmt.Errorf("update lease %s: %w", l.ID, err)
	}
	if o.exhausted {
		s.log.Info("lease exhausted", zap.String("lease", l.ID), zap.Int64("hold_micros", l.HoldMicros))
	}
	return txnID, nil
}
