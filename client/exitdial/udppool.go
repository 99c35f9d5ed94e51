package exitdial

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// DialUDP opens a UDP flow to target through the next exit in rotation,
// with DialContext's failover: an exit that cannot be reached is skipped
// and backed off, a refusal (*ProxyError) is returned as it is. An exit
// that does not carry UDP (ErrNoUDP) is skipped without backoff, since it
// may still carry TCP.
func (p *Pool) DialUDP(ctx context.Context, target string) (*UDPConn, error) {
	if _, err := udpPath(target); err != nil {
		return nil, err
	}
	return poolDial(ctx, p, func(ctx context.Context, d *Dialer) (*UDPConn, error) {
		return d.DialUDP(ctx, target)
	})
}

// poolDial runs dial over p's exits in rotation, as DialContext does for
// TCP: exits backing off are passed over unless all of them are, and the
// first answer that is not a transport failure (or ErrNoUDP) is returned.
func poolDial[C any](ctx context.Context, p *Pool, dial func(context.Context, *Dialer) (C, error)) (C, error) {
	var zero C
	if p.closed.Load() {
		return zero, ErrClosed
	}
	members := p.list()
	n := len(members)
	if n == 0 {
		return zero, fmt.Errorf("%w: pool is empty", ErrNoExit)
	}
	start := int((p.next.Add(1) - 1) % uint64(n))
	var errs []error
	for i := range n {
		m := members[(start+i)%n]
		if m.down(p.now()) {
			continue
		}
		c, err := tryDial(ctx, p, m, dial)
		if !passOver(err) {
			return c, err
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		c, err := tryDial(ctx, p, soonest(members), dial)
		if !passOver(err) {
			return c, err
		}
		errs = append(errs, err)
	}
	return zero, fmt.Errorf("%w: %w", ErrNoExit, errors.Join(errs...))
}

// passOver reports failures after which the next exit is tried.
func passOver(err error) bool {
	return err != nil && (errors.Is(err, ErrExitUnavailable) || errors.Is(err, ErrNoUDP))
}

// tryDial dials through m and records the outcome, as Pool.try does.
func tryDial[C any](ctx context.Context, p *Pool, m *member, dial func(context.Context, *Dialer) (C, error)) (C, error) {
	dctx, stop := m.watchLoss(ctx)
	c, err := dial(dctx, m.d)
	err = stop(err)
	switch {
	case err == nil:
		m.succeeded()
	case errors.Is(err, ErrExitUnavailable) && ctx.Err() == nil:
		wait := m.failed(p.now())
		p.log.Warn("exit unavailable, backing off", zap.String("exit", m.d.exit.NodeID),
			zap.Duration("backoff", wait), zap.Error(err))
	}
	return c, err
}
