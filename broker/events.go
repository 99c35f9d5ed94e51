package broker

import (
	"context"
	"encoding/json"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// prefixEvent starts event IDs.
const prefixEvent = "evt_"

// usageThresholds are the shares of a lease's hold whose crossing raises
// a usage_threshold event, in percent.
var usageThresholds = []int{50, 80, 100}

// emit queues an event for the account's webhooks. Failing to queue it
// does not fail the request that caused it: it is logged.
func (b *Broker) emit(ctx context.Context, account, typ string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		b.log.Error("encode event", zap.String("type", typ), zap.Error(err))
		return
	}
	e := api.Event{ID: newID(prefixEvent), Type: typ, AccountID: account, CreatedAt: b.now().UTC(), Data: raw}
	payload, err := json.Marshal(e)
	if err != nil {
		b.log.Error("encode event", zap.String("type", typ), zap.Error(err))
		return
	}
	n, err := b.st.EnqueueEvent(context.WithoutCancel(ctx), store.Event{
		ID: e.ID, AccountID: account, Type: typ, Payload: payload, CreatedAt: e.CreatedAt,
	})
	if err != nil {
		b.log.Warn("queue event", zap.String("event", e.ID), zap.String("type", typ), zap.Error(err))
		return
	}
	if n > 0 {
		b.log.Debug("queued event", zap.String("event", e.ID), zap.String("type", typ), zap.Int("deliveries", n))
	}
}

// afterHold raises low_balance when a hold of held took the buyer's
// available balance from at or above the threshold to below it.
func (b *Broker) afterHold(ctx context.Context, buyer string, held int64) {
	if held <= 0 {
		return
	}
	bal, err := b.st.Balance(ctx, buyer)
	if err != nil {
		b.log.Warn("balance after a hold", zap.Error(err))
		return
	}
	limit := b.cfg.LowBalanceMicros
	if bal.AvailableMicros < limit && bal.AvailableMicros+held >= limit {
		b.emit(ctx, buyer, api.EventLowBalance, api.LowBalanceData{AvailableMicros: bal.AvailableMicros, ThresholdMicros: limit})
	}
}

// afterCharge raises usage_threshold for every threshold a charge of
// charged took lease l across.
func (b *Broker) afterCharge(ctx context.Context, l store.Lease, charged int64) {
	rows, err := b.st.Usage(ctx, l.ID)
	if err != nil {
		b.log.Warn("usage after a charge", zap.String("lease", l.ID), zap.Error(err))
		return
	}
	var total int64
	for _, u := range rows {
		total += u.ChargedMicros
	}
	for _, pct := range usageThresholds {
		// floor(hold*pct/100), in two parts so that no hold overflows.
		limit := l.HoldMicros/100*int64(pct) + l.HoldMicros%100*int64(pct)/100
		if total-charged < limit && total >= limit {
			b.emit(ctx, l.BuyerID, api.EventUsageThreshold, api.UsageThresholdData{
				LeaseID: l.ID, ThresholdPercent: pct, ChargedMicros: total, HoldMicros: l.HoldMicros,
			})
		}
	}
}
