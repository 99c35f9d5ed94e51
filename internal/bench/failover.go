package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/exitdial/exitdialtest"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// failoverSession names the sticky session the failover measurement
// sends its requests in.
const failoverSession = "bench"

// failoverRig is a sticky gateway over two exits, each behind a UDP path
// that can be cut to make it vanish without a word.
type failoverRig struct {
	exits  []*startedExit
	paths  []*exitdialtest.Path
	pool   *exitdial.Pool
	gw     *gateway.Gateway
	socks  string
	cancel context.CancelFunc
	done   chan struct{}
}

func (e *env) startFailoverRig(log *zap.Logger) (*failoverRig, error) {
	r := &failoverRig{done: make(chan struct{})}
	var list []exitdial.Exit
	for range 2 {
		x, err := startExit(log, quicexit.New, e.echo.Addr().String())
		if err != nil {
			r.close()
			return nil, err
		}
		r.exits = append(r.exits, x)
		p, err := exitdialtest.StartPath(x.to.Addr)
		if err != nil {
			r.close()
			return nil, err
		}
		r.paths = append(r.paths, p)
		to := x.to
		to.Addr = p.Addr
		list = append(list, to)
	}
	return r, r.serve(list, log)
}

func (r *failoverRig) serve(list []exitdial.Exit, log *zap.Logger) error {
	r.pool = exitdial.NewPool(list, log.Named("pool"))
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { defer close(r.done); r.pool.Watch(ctx, exitdial.HealthConfig{}) }()
	var err error
	if r.gw, err = gateway.New(gateway.Config{Mode: api.ModeSticky}, r.pool, log.Named("gateway")); err != nil {
		r.close()
		return err
	}
	addr, err := r.gw.ListenSOCKS5("127.0.0.1:0")
	if err != nil {
		r.close()
		return err
	}
	r.socks = addr.String()
	return nil
}

func (r *failoverRig) close() {
	if r.gw != nil {
		r.gw.Close()
	}
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	if r.pool != nil {
		r.pool.Close()
	}
	for _, p := range r.paths {
		p.Cut()
	}
	for _, x := range r.exits {
		x.close()
	}
}

// measureFailover cuts the link of the exit carrying a sticky session and
// returns how long until a request of the session, started after the
// cut, succeeds through the other exit. Requests start every 20ms.
func measureFailover(ctx context.Context, e *env, log *zap.Logger) (time.Duration, error) {
	r, err := e.startFailoverRig(log)
	if err != nil {
		return 0, err
	}
	defer r.close()
	d := dialSession(r.socks, failoverSession)
	held, err := d(ctx, e.echo.Addr().String())
	if err != nil {
		return 0, fmt.Errorf("first request: %w", err)
	}
	victim := -1
	for i, x := range r.exits {
		if x.exit.ActiveTunnels() > 0 {
			victim = i
		}
	}
	held.Close()
	if victim < 0 {
		return 0, errors.New("no exit carries the session")
	}
	cut := time.Now()
	r.paths[victim].Cut()
	return firstSuccess(ctx, e, d, cut)
}

// firstSuccess starts a request every 20ms until one succeeds and returns
// when it did, measured from since.
func firstSuccess(ctx context.Context, e *env, d dial, since time.Time) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	won := make(chan time.Time, 1)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		go func() {
			if echoOnce(ctx, e, d) == nil {
				select {
				case won <- time.Now():
				default:
				}
			}
		}()
		select {
		case at := <-won:
			return at.Sub(since), nil
		case <-ctx.Done():
			return 0, fmt.Errorf("no request succeeded: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// echoOnce makes one round trip through d to the echo server.
func echoOnce(ctx context.Context, e *env, d dial) error {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := d(rctx, e.echo.Addr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := rctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	_, err = roundTrips(c, 1)
	return err
}
