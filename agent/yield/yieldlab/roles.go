package yieldlab

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/capacity"
	"github.com/sparelink/sparelink/agent/yield"
	"github.com/sparelink/sparelink/metering/meter"
)

// roleArgs is what the lab passes a helper, as JSON in argsEnv.
type roleArgs struct {
	Listen  string `json:"listen,omitempty"`   // sink: address to accept on
	Target  string `json:"target,omitempty"`   // relay, household: the sink
	Iface   string `json:"iface,omitempty"`    // relay: interface the sampler counts
	LinkBps int64  `json:"link_bps,omitempty"` // relay: the shaped link's rate
	RateBps int64  `json:"rate_bps,omitempty"` // household: demand; 0 sends flat out
}

// Every sender's first byte tells the sink whose bytes follow.
const (
	tagRelay     = 'r'
	tagHousehold = 'h'
)

const (
	chunkSize      = 8 << 10
	reportInterval = 100 * time.Millisecond
)

// runRole runs one helper until ctx is done.
func runRole(ctx context.Context, role string, a roleArgs, e *emitter, log *zap.Logger) error {
	switch role {
	case "sink":
		return runSink(ctx, a, e)
	case "relay":
		return runRelay(ctx, a, e, log)
	case "household":
		p := newPacer(a.RateBps)
		return send(ctx, a.Target, tagHousehold, p, func(int) {}, func() { e.emit("started") })
	}
	return fmt.Errorf("unknown role %q", role)
}

// runRelay sends bulk traffic at the rate the yield controller allows,
// measuring the household on the shaped interface with the real sampler.
func runRelay(ctx context.Context, a roleArgs, e *emitter, log *zap.Logger) error {
	var counter meter.Counter
	sampler := capacity.New(capacity.Config{
		Interfaces: []string{a.Iface},
		LinkUpBps:  a.LinkBps, LinkDownBps: a.LinkBps,
		Relay: counter.Totals,
	}, log.Named("capacity"))
	ctrl, err := yield.New(yield.Config{Source: sampler}, log.Named("yield"))
	if err != nil {
		return err
	}
	p := newPacer(ctrl.Allowed())
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(3)
	go func() { defer wg.Done(); sampler.Run(ctx) }()
	go func() {
		defer wg.Done()
		ctrl.Run(ctx, func(bps int64) { p.setRate(bps); e.emit("allowed", bps) })
	}()
	go func() { defer wg.Done(); reportSamples(ctx, sampler, e) }()
	return send(ctx, a.Target, tagRelay, p, func(n int) { counter.AddUp(int64(n)) }, func() {})
}

// reportSamples emits each new estimate of the sampler.
func reportSamples(ctx context.Context, s *capacity.Sampler, e *emitter) {
	t := time.NewTicker(reportInterval)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if snap := s.Snapshot(); !snap.At.Equal(last) {
			last = snap.At
			e.emit("sample", snap.HouseholdUpBps, snap.RelayUpBps, snap.SpareBps)
		}
	}
}

// send writes tag and then paced data to target until ctx is done.
func send(ctx context.Context, target string, tag byte, p *pacer, count func(int), connected func()) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return fmt.Errorf("dial sink: %w", err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := c.Write([]byte{tag}); err != nil {
		return fmt.Errorf("write tag: %w", err)
	}
	connected()
	buf := make([]byte, chunkSize)
	for {
		if err := p.wait(ctx, len(buf)); err != nil {
			return nil
		}
		n, err := c.Write(buf)
		count(n)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("send: %w", err)
		}
	}
}
