package yield

import (
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/capacity"
)

// The tests use a 10 MB/s line both ways: the default headroom is 1 MB/s,
// the rise threshold 0.5 MB/s and the increase 1 MB/s per second.
const (
	mb       = 1_000_000
	lineBps  = 10 * mb
	floor    = DefaultFloorBps
	headroom = lineBps * DefaultHeadroomPct / 100
	perSec   = lineBps * DefaultIncreasePct / 100
	quietCap = lineBps - headroom
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// at is a sample sec seconds after t0 with the household's rates.
func at(sec float64, up, down int64) capacity.Snapshot {
	return capacity.Snapshot{
		HouseholdUpBps: up, HouseholdDownBps: down,
		LinkUpBps: lineBps, LinkDownBps: lineBps,
		At: t0.Add(time.Duration(sec * float64(time.Second))),
	}
}

func newController(t *testing.T, cfg Config) *Controller {
	t.Helper()
	if cfg.Source == nil {
		cfg.Source = capacity.New(capacity.Config{}, zaptest.NewLogger(t))
	}
	c, err := New(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// warm feeds ten quiet seconds, enough to climb from the floor to the
// ceiling, and returns the time of the last sample.
func warm(t *testing.T, c *Controller) float64 {
	t.Helper()
	for i := range 11 {
		c.Observe(at(float64(i), 0, 0))
	}
	return 10
}

type step struct {
	dt       float64 // seconds after the previous sample (or t0)
	up, down int64
	want     int64
}

func TestObserve(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		warm  bool
		steps []step
	}{
		{"ramps from the floor additively", Config{}, false, []step{
			{0, 0, 0, floor}, {1, 0, 0, floor + perSec}, {1, 0, 0, floor + 2*perSec}, {0.5, 0, 0, floor + 2*perSec + perSec/2},
		}},
		{"climbs no higher than the ceiling", Config{}, true, []step{{1, 0, 0, quietCap}}},
		{"household rise halves at once", Config{}, true, []step{
			{0.5, 2 * mb, 0, quietCap / 2},
			{0.5, 5 * mb, 0, quietCap / 4},
			{0.5, 5 * mb, 0, quietCap/4 + perSec/2},
		}},
		{"household takes the whole line", Config{}, true, []step{{0.5, 9.5 * mb, 0, floor}}},
		{"noise below the threshold only clamps", Config{}, true, []step{
			{0.5, 0.2 * mb, 0, quietCap - 0.2*mb},
		}},
		{"busy download side limits", Config{}, true, []step{
			{0.5, 0, 6 * mb, lineBps - 6*mb - headroom},
		}},
		{"recovers additively after the household stops", Config{}, true, []step{
			{0.5, 9.5 * mb, 0, floor},
			{1, 0, 0, floor + perSec},
			{1, 0, 0, floor + 2*perSec},
		}},
		{"owner cap", Config{CapBps: 3 * mb}, true, []step{
			{1, 0, 0, 3 * mb},
			{0.5, 2 * mb, 0, 1.5 * mb},
		}},
		{"stale or repeated samples are ignored", Config{}, true, []step{
			{0, 9 * mb, 0, quietCap}, {-1, 9 * mb, 0, quietCap},
		}},
		{"a long gap counts for two seconds at most", Config{}, true, []step{
			{0.5, 9.5 * mb, 0, floor}, {4, 0, 0, floor + 2*perSec},
		}},
		{"a gap longer than StaleAfter restarts from the floor", Config{}, true, []step{
			{6, 0, 0, floor}, {1, 0, 0, floor + perSec},
		}},
		{"custom constants", Config{HeadroomPct: 20, IncreasePct: 50, DecreasePct: 25, RisePct: 10, FloorBps: 1000}, false, []step{
			{0, 0, 0, 1000}, {1, 0, 0, 1000 + 5*mb}, {1, 0, 0, 8 * mb},
			{0.5, 0.9 * mb, 0, 8*mb - 0.9*mb},
			{0.5, 2 * mb, 0, (8*mb - 0.9*mb) * 3 / 4},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newController(t, tt.cfg)
			now := 0.0
			if tt.warm {
				now = warm(t, c)
			}
			for i, s := range tt.steps {
				now += s.dt
				if got := c.Observe(at(now, s.up, s.down)); got != s.want {
					t.Fatalf("step %d (t=%.1fs, household %d/%d): got allowed %d, want %d", i, now, s.up, s.down, got, s.want)
				}
			}
		})
	}
}

func TestCeiling(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		s    capacity.Snapshot
		want int64
	}{
		{"quiet line", Config{}, at(0, 0, 0), quietCap},
		{"household upload", Config{}, at(0, 4*mb, 0), lineBps - 4*mb - headroom},
		{"owner cap", Config{CapBps: 2 * mb}, at(0, 0, 0), 2 * mb},
		{"never below the floor", Config{}, at(0, lineBps, lineBps), floor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newController(t, tt.cfg).Ceiling(tt.s); got != tt.want {
				t.Errorf("got ceiling %d, want %d", got, tt.want)
			}
		})
	}
}

func TestSetCap(t *testing.T) {
	tests := []struct {
		name            string
		cap             int64
		wantNow, wantIn int64 // at once, and one quiet second later
	}{
		{"lower cap applies at once", 2 * mb, 2 * mb, 2 * mb},
		{"cap below the floor keeps the floor", 10, floor, floor},
		{"removing the cap changes nothing at once", 0, quietCap, quietCap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newController(t, Config{})
			now := warm(t, c)
			c.SetCap(tt.cap)
			if got := c.Allowed(); got != tt.wantNow {
				t.Fatalf("got allowed %d right after SetCap(%d), want %d", got, tt.cap, tt.wantNow)
			}
			if got := c.Observe(at(now+1, 0, 0)); got != tt.wantIn {
				t.Errorf("got allowed %d a second later, want %d", got, tt.wantIn)
			}
		})
	}
}

func TestRaisedCapRecoversGradually(t *testing.T) {
	c := newController(t, Config{CapBps: 1 * mb})
	now := warm(t, c)
	c.SetCap(0)
	if got, want := c.Observe(at(now+1, 0, 0)), int64(1*mb+perSec); got != want {
		t.Errorf("got allowed %d one second after lifting a 1 MB/s cap, want %d", got, want)
	}
}

func TestNewRejects(t *testing.T) {
	log := zaptest.NewLogger(t)
	src := capacity.New(capacity.Config{}, log)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no source", Config{}},
		{"negative headroom", Config{Source: src, HeadroomPct: -1}},
		{"decrease over 100", Config{Source: src, DecreasePct: 101}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := New(tt.cfg, log); err == nil {
				t.Errorf("got controller %v, want an error", c)
			}
		})
	}
}
