// Package yield decides how fast the relay may send so that the
// household's own traffic always comes first. It turns the capacity
// sampler's figures (agent/capacity) into an allowed relay rate, drops it
// within a sample or two when the household gets busier and brings it
// back gradually once the household is quiet.
//
// The controller is additive-increase, multiplicative-decrease (AIMD):
//
//   - Ceiling. The relay never gets more than
//     min(owner cap, link − household − headroom), taken in the tighter of
//     the two directions (relay bytes cross the line both ways), and never
//     less than the floor.
//   - Decrease. When the household's rate rises by more than RisePct of the
//     link between two samples, the allowed rate is cut by DecreasePct at
//     once, on top of the ceiling. Counters only show what the household
//     got, not what it wanted: while the relay fills the line a new
//     household download shows up as a small rise, and the cut gives it
//     room to show its real demand in the next sample.
//   - Increase. Every other sample adds IncreasePct of the link per second
//     since the previous sample, up to the ceiling, so the relay creeps
//     back instead of swamping a household that only paused.
//
// With the defaults, a household burst is seen within two sampler
// intervals (capacity.DefaultInterval, 0.5 s) and applied within Poll, and
// a relay pushed down to the floor is back at full rate after about nine
// seconds of quiet.
//
// The package shapes nothing: Run hands every change of the allowed rate
// to a function that the agent wires to its exit's node-wide cap.
package yield

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/capacity"
)

// Defaults of the zero Config. Percentages are of the link's capacity in
// the direction that limits the relay.
const (
	// DefaultHeadroomPct of the link is always left to the household, so a
	// household flow has room to grow and show up in the counters.
	DefaultHeadroomPct = 10
	// DefaultIncreasePct of the link is added per second of quiet: from the
	// floor to the ceiling in about ten seconds.
	DefaultIncreasePct = 10
	// DefaultDecreasePct is cut from the allowed rate on a household rise:
	// halving, as TCP does on loss.
	DefaultDecreasePct = 50
	// DefaultRisePct is how much the household's rate must grow between two
	// samples to count as a rise rather than noise. The household's rate
	// is what the counters show minus what the relay counted, and the two
	// disagree by a few percent over half a second (headers, socket
	// buffers), so smaller rises are not trusted.
	DefaultRisePct = 5
	// DefaultFloorBps is the least the relay is allowed, 16 KiB/s: enough
	// to keep open tunnels alive, and never zero, which the exit would
	// read as "no cap".
	DefaultFloorBps = 16 << 10
	// DefaultPoll is how often Run looks for a new sample.
	DefaultPoll = 100 * time.Millisecond
	// DefaultStaleAfter is how old the latest sample may be before the
	// controller stops trusting it and falls back to the floor.
	DefaultStaleAfter = 5 * time.Second
)

// maxStep bounds the time one increase may account for, so a sampler that
// stalled for a while does not earn the relay a jump.
const maxStep = 2 * time.Second

// ErrNoSource is returned by New when Config.Source is nil.
var ErrNoSource = errors.New("yield: no capacity source")

// Source gives the latest capacity estimate; *capacity.Sampler is one.
type Source interface {
	Snapshot() capacity.Snapshot
}

var _ Source = (*capacity.Sampler)(nil)

// Config tunes the controller. Source is required; every other zero value
// means the documented default.
type Config struct {
	Source Source
	// CapBps is the owner's cap on relay traffic in bytes per second; zero
	// means none. SetCap changes it at run time.
	CapBps int64
	// HeadroomPct, IncreasePct, DecreasePct and RisePct: see the Default
	// constants. Each must be within 0..100.
	HeadroomPct, IncreasePct, DecreasePct, RisePct int64
	// FloorBps is the least the relay is allowed.
	FloorBps int64
	// Poll and StaleAfter: see DefaultPoll and DefaultStaleAfter.
	Poll, StaleAfter time.Duration
	// Now is the clock that judges staleness; nil means time.Now.
	Now func() time.Time
}

// Controller holds the allowed relay rate. It is safe for concurrent use.
type Controller struct {
	cfg Config
	log *zap.Logger

	mu       sync.Mutex
	allowed  int64
	capBps   int64
	prev     capacity.Snapshot
	havePrev bool
	stale    bool
}

// New returns a controller whose relay starts at the floor and ramps up as
// fresh samples show room.
func New(cfg Config, log *zap.Logger) (*Controller, error) {
	if cfg.Source == nil {
		return nil, ErrNoSource
	}
	for _, p := range []*int64{&cfg.HeadroomPct, &cfg.IncreasePct, &cfg.DecreasePct, &cfg.RisePct} {
		if *p < 0 || *p > 100 {
			return nil, fmt.Errorf("yield: percentage %d outside 0..100", *p)
		}
	}
	setDefault(&cfg.HeadroomPct, DefaultHeadroomPct)
	setDefault(&cfg.IncreasePct, DefaultIncreasePct)
	setDefault(&cfg.DecreasePct, DefaultDecreasePct)
	setDefault(&cfg.RisePct, DefaultRisePct)
	setDefault(&cfg.FloorBps, DefaultFloorBps)
	setDefault(&cfg.Poll, DefaultPoll)
	setDefault(&cfg.StaleAfter, DefaultStaleAfter)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Controller{cfg: cfg, log: log, allowed: cfg.FloorBps, capBps: cfg.CapBps}, nil
}

func setDefault[T int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
