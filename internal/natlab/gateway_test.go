package natlab

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/proxy"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/client/natdial"
)

// How the buyer reached an agent, in buyerResult.Via.
const (
	viaNatdial = "natdial"
	viaGateway = "gateway"
)

// reachViaGateway buys a lease on the agent's country and fetches the
// canary through a real gateway (SOCKS5) over a pool that reaches the
// exit with natdial.FromLease, as `sparelink gateway` does.
func reachViaGateway(t *testing.T, buyer *client.Client, info inetInfo, ai agentInfo, country string) buyerResult {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := buyerResult{Via: viaGateway}
	l, err := buyer.CreateLease(ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: country}, Protocols: []string{api.ProtocolQUIC}, Exits: 1})
	if err != nil {
		r.Err = "lease: " + err.Error()
		return r
	}
	var mu sync.Mutex
	onPath := func(_, kind, pair string) { mu.Lock(); r.Kind, r.Pair = kind, pair; mu.Unlock() }
	exits, err := natdial.FromLease(buyer, l, natdial.LeaseConfig{Punch: iceConfig(info), OnPath: onPath}, logger(t))
	if err != nil || len(exits) != 1 || exits[0].NodeID != ai.NodeID || exits[0].Path == nil {
		r.Err = fmt.Sprintf("lease exits %+v, %v", exits, err)
		return r
	}
	pool := exitdial.NewPool(exits, logger(t))
	defer pool.Close()
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); pool.Watch(wctx, exitdial.HealthConfig{}) }()
	defer wg.Wait()
	defer stop()
	got, err := fetchSOCKS(pool, info.Canary, logger(t))
	mu.Lock()
	r.Got = got
	mu.Unlock()
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.UsageDown = settled(ctx, buyer, l.ID, int64(info.BodyLen))
	return r
}

// fetchSOCKS serves a gateway over pool on loopback and reads the canary
// through its SOCKS5 listener.
func fetchSOCKS(pool *exitdial.Pool, canary string, log *zap.Logger) (int, error) {
	g, err := gateway.New(gateway.Config{}, pool, log.Named("gateway"))
	if err != nil {
		return 0, fmt.Errorf("gateway: %w", err)
	}
	defer g.Close()
	a, err := g.ListenSOCKS5("127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("gateway listen: %w", err)
	}
	d, err := proxy.SOCKS5("tcp", a.String(), nil, proxy.Direct)
	if err != nil {
		return 0, fmt.Errorf("socks client: %w", err)
	}
	c, err := d.Dial("tcp", canary)
	if err != nil {
		return 0, fmt.Errorf("dial canary through the gateway: %w", err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := io.Copy(io.Discard, c)
	if err != nil {
		return int(n), fmt.Errorf("read canary through the gateway: %w", err)
	}
	return int(n), nil
}
