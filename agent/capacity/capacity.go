// Package capacity estimates how much of a home uplink is idle: it samples
// the machine's interface counters (gopsutil) every second, takes out the
// relay's own traffic (which the agent counts itself) to get the household's
// traffic, and offers what is left of the link, under the owner's cap and
// with headroom, as spare capacity.
//
// It does not shape anything; the exit applies the figure it reports.
package capacity

import (
	"context"
	"fmt"
	"sync"
	"time"

	psnet "github.com/shirou/gopsutil/v3/net"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/meter"
)

// Config tunes the sampler. The zero value samples every non-loopback
// interface twice a second with 10% headroom and learns the link's
// capacity from observed peaks and active probes.
type Config struct {
	// Interfaces to count; empty means every interface but loopback.
	Interfaces []string
	// LinkUpBps and LinkDownBps are the line's capacity in bytes per second
	// when the owner knows it; zero means the highest rate observed, and at
	// least MinLinkBps.
	LinkUpBps, LinkDownBps int64
	// OwnerCapBps is the owner's rate cap for relay traffic; zero: no cap.
	OwnerCapBps int64
	// HeadroomPct of the free capacity is never offered; zero means 10.
	HeadroomPct int64
	// Interval between samples; zero means DefaultInterval.
	Interval time.Duration
	// Counters reads interface counters; nil means gopsutil.
	Counters func(ctx context.Context) ([]psnet.IOCountersStat, error)
	// Relay returns the relay's own cumulative bytes; nil means none.
	Relay func() meter.Totals
	// Now stamps samples; nil means time.Now. Tests inject a clock so that
	// rates are computed over simulated intervals.
	Now func() time.Time
}

// DefaultInterval is the sampling interval of the zero Config. Half a
// second lets agent/yield see a household burst within two samples, well
// inside its two-second reaction budget; reading the counters costs a few
// microseconds.
const DefaultInterval = 500 * time.Millisecond

// MinLinkBps is the capacity assumed for a link that has not been seen busy:
// 1 MB/s (8 Mbit/s).
const MinLinkBps = 1_000_000

// Snapshot is the latest estimate, all rates in bytes per second.
type Snapshot struct {
	HouseholdUpBps, HouseholdDownBps int64
	RelayUpBps, RelayDownBps         int64
	LinkUpBps, LinkDownBps           int64
	SpareBps                         int64
	At                               time.Time
}

// Sampler keeps the estimate current.
type Sampler struct {
	cfg Config
	log *zap.Logger

	mu       sync.Mutex
	last     sample
	peakUp   int64
	peakDown int64
	snap     Snapshot
}

type sample struct {
	at                 time.Time
	sent, recv         uint64
	relayUp, relayDown int64
	valid              bool
}

// New returns a sampler; call Run to start sampling.
func New(cfg Config, log *zap.Logger) *Sampler {
	if cfg.HeadroomPct == 0 {
		cfg.HeadroomPct = 10
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Counters == nil {
		cfg.Counters = func(ctx context.Context) ([]psnet.IOCountersStat, error) {
			return psnet.IOCountersWithContext(ctx, true)
		}
	}
	if cfg.Relay == nil {
		cfg.Relay = func() meter.Totals { return meter.Totals{} }
	}
	s := &Sampler{cfg: cfg, log: log}
	s.snap = s.estimate(0, 0, 0, 0, time.Time{})
	return s
}

// Run samples until ctx is done.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if err := s.Sample(ctx); err != nil {
			s.log.Debug("sample interface counters", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Snapshot returns the latest estimate.
func (s *Sampler) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap
}

// Sample takes one reading and updates the estimate.
func (s *Sampler) Sample(ctx context.Context) error {
	stats, err := s.cfg.Counters(ctx)
	if err != nil {
		return fmt.Errorf("interface counters: %w", err)
	}
	cur := sample{at: s.cfg.Now(), valid: true}
	cur.sent, cur.recv = s.sum(stats)
	relay := s.cfg.Relay()
	cur.relayUp, cur.relayDown = relay.Up, relay.Down
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.last
	s.last = cur
	if !prev.valid {
		return nil
	}
	secs := cur.at.Sub(prev.at).Seconds()
	if secs <= 0 || cur.sent < prev.sent || cur.recv < prev.recv {
		return nil // clock step or counter reset: skip this interval
	}
	totalUp := int64(float64(cur.sent-prev.sent) / secs)
	totalDown := int64(float64(cur.recv-prev.recv) / secs)
	// Relay bytes flow both ways on the uplink: what buyers send goes out
	// to destinations, what destinations return goes out to buyers.
	relayBps := int64(float64((cur.relayUp-prev.relayUp)+(cur.relayDown-prev.relayDown)) / secs)
	s.snap = s.estimate(totalUp, totalDown, relayBps, relayBps, cur.at)
	return nil
}

func (s *Sampler) sum(stats []psnet.IOCountersStat) (sent, recv uint64) {
	for _, st := range stats {
		if !s.counted(st.Name) {
			continue
		}
		sent += st.BytesSent
		recv += st.BytesRecv
	}
	return sent, recv
}

func (s *Sampler) counted(name string) bool {
	if len(s.cfg.Interfaces) == 0 {
		return name != "lo" && name != "lo0"
	}
	for _, n := range s.cfg.Interfaces {
		if n == name {
			return true
		}
	}
	return false
}
