package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/capacity"
)

// Line tells the prober whether the line is idle; *capacity.Sampler is
// one.
type Line interface {
	Snapshot() capacity.Snapshot
}

var _ Line = (*capacity.Sampler)(nil)

// Config sets up a Prober. BaseURL and Line are required; the other zero
// values mean: a plain HTTP client, idle below 5% of the link, rounds
// starting at 256 KiB and growing until one lasts a second, at most 32 MiB
// and 8 s per direction.
type Config struct {
	// BaseURL is where the endpoints hang: a relay's https://host/v1, or
	// the broker's https://host/v1/nodes/{id}.
	BaseURL string
	Line    Line
	Client  *http.Client
	// Header is added to every request, e.g. the broker's Authorization.
	Header http.Header
	// IdlePct: the line is idle when household and relay traffic together
	// stay below this share of the link in both directions.
	IdlePct int64
	// StartBytes is the first round's size; MaxBytes bounds all rounds of
	// one direction together.
	StartBytes, MaxBytes int64
	// Target is how long a round must last to be trusted; MaxDuration
	// bounds one direction, rounds included.
	Target, MaxDuration time.Duration
}

// Prober runs probes against one server.
type Prober struct {
	cfg Config
	log *zap.Logger
}

// New checks cfg and returns a prober.
func New(cfg Config, log *zap.Logger) (*Prober, error) {
	if cfg.BaseURL == "" || cfg.Line == nil {
		return nil, errors.New("probe: base URL and line are required")
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	defaults := []struct {
		v   *int64
		def int64
	}{{&cfg.IdlePct, 5}, {&cfg.StartBytes, 256 << 10}, {&cfg.MaxBytes, 32 << 20}}
	for _, d := range defaults {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if cfg.Target <= 0 {
		cfg.Target = time.Second
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = 8 * time.Second
	}
	return &Prober{cfg: cfg, log: log}, nil
}

// Measure probes download then upload capacity if the line is idle, and
// returns ErrNotIdle without sending anything otherwise. The line's own
// sampler sees the probe as household traffic while it runs.
func (p *Prober) Measure(ctx context.Context) (Result, error) {
	if err := p.idle(); err != nil {
		return Result{}, err
	}
	start := time.Now()
	down, downBytes, err := p.direction(ctx, "download", p.download)
	if err != nil {
		return Result{}, err
	}
	up, upBytes, err := p.direction(ctx, "upload", p.upload)
	if err != nil {
		return Result{}, err
	}
	r := Result{UpBps: up, DownBps: down, UpBytes: upBytes, DownBytes: downBytes, Duration: time.Since(start), At: time.Now()}
	p.log.Info("probed the line", zap.Int64("up_bps", up), zap.Int64("down_bps", down), zap.Duration("took", r.Duration))
	return r, nil
}

// idle returns nil when the latest snapshot shows a quiet line.
func (p *Prober) idle() error {
	s := p.cfg.Line.Snapshot()
	if s.At.IsZero() {
		return fmt.Errorf("%w: no traffic sample yet", ErrNotIdle)
	}
	up := s.HouseholdUpBps + s.RelayUpBps
	down := s.HouseholdDownBps + s.RelayDownBps
	if up*100 >= s.LinkUpBps*p.cfg.IdlePct || down*100 >= s.LinkDownBps*p.cfg.IdlePct {
		return fmt.Errorf("%w: %d B/s up, %d B/s down in use", ErrNotIdle, up, down)
	}
	return nil
}

// round moves n bytes one way and returns how many moved and how long it
// took; on a deadline it returns what moved so far with the error.
type round func(ctx context.Context, n int64) (int64, time.Duration, error)

// direction runs growing rounds until one lasts Target, the byte budget
// is spent or MaxDuration passes, and returns the last complete round's
// rate and the bytes moved in all. A round cut by the time limit counts
// only when no round completed; for uploads its rate is an upper bound,
// since some of what the transport took may still sit in socket buffers.
func (p *Prober) direction(ctx context.Context, name string, run round) (bps, total int64, err error) {
	deadline := time.Now().Add(p.cfg.MaxDuration)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for n := p.cfg.StartBytes; ; {
		moved, took, err := run(ctx, n)
		total += moved
		switch {
		case errors.Is(err, context.DeadlineExceeded) && bps == 0 && moved > 0 && took > 0:
			return rate(moved, took), total, nil
		case errors.Is(err, context.DeadlineExceeded) && bps > 0:
			return bps, total, nil
		case err != nil:
			return 0, total, fmt.Errorf("probe %s: %w", name, err)
		}
		bps = rate(moved, took)
		if took >= p.cfg.Target || total >= p.cfg.MaxBytes {
			return bps, total, nil
		}
		n = p.nextRound(n, bps, total, time.Until(deadline))
	}
}

// nextRound sizes a round to last about Target at the measured rate: at
// least twice the last round, within what the budget has left, and small
// enough to finish in the time left.
func (p *Prober) nextRound(last, bps, total int64, left time.Duration) int64 {
	want := max(2*last, int64(float64(bps)*p.cfg.Target.Seconds()*1.2))
	fits := int64(float64(bps) * left.Seconds() * 0.8)
	return max(min(want, p.cfg.MaxBytes-total, fits), 1)
}

func rate(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}
