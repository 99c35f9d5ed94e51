package exitdial

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
)

// KeepFresh re-reads a lease every interval until ctx ends and updates the
// pool, so it always holds fresh tokens and the exits the broker currently
// assigns. Failures are logged and retried at the next tick.
func KeepFresh(ctx context.Context, p *Pool, fetch func(context.Context) (*api.Lease, error), every time.Duration, log *zap.Logger) {
	KeepFreshWith(ctx, p, fetch, FromLease, every, log)
}

// KeepFreshWith is KeepFresh with the exits of each lease read by
// exits, for callers that build exits of their own (client/natdial's
// FromLease for exits behind NAT).
func KeepFreshWith(ctx context.Context, p *Pool, fetch func(context.Context) (*api.Lease, error),
	exits func(*api.Lease) ([]Exit, error), every time.Duration, log *zap.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l, err := fetch(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("refresh lease", zap.Error(err))
			}
			continue
		}
		list, err := exits(l)
		if err != nil {
			log.Warn("lease has no usable exits", zap.String("status", l.Status), zap.Error(err))
			continue
		}
		p.Update(list)
	}
}
