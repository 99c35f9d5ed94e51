package owner

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"go.uber.org/zap"
)

// Config configures Controls. Dir is required.
type Config struct {
	// Dir is the agent's data directory, where settings.json lives.
	Dir string
	// Override, when set, edits the stored settings at every start: the
	// settings given in the config file or on the command line win over
	// those the owner last changed in the dashboard.
	Override func(*Settings)
}

// Controls are the owner's live settings. Every change is validated,
// saved to the data directory before it takes effect, and announced on
// Changed. It is safe for concurrent use.
type Controls struct {
	dir     string
	log     *zap.Logger
	changed chan struct{}

	mu    sync.Mutex
	s     Settings
	sched *Schedule
}

// Open loads the stored settings (none yet means the zero Settings),
// applies cfg.Override, saves the result and returns the controls.
func Open(cfg Config, log *zap.Logger) (*Controls, error) {
	if cfg.Dir == "" {
		return nil, errors.New("owner controls: Config.Dir is required")
	}
	s, found, err := LoadSettings(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("owner controls: %w", err)
	}
	if cfg.Override != nil {
		cfg.Override(&s)
	}
	c := &Controls{dir: cfg.Dir, log: log, changed: make(chan struct{}, 1)}
	if err := c.set(s); err != nil {
		return nil, fmt.Errorf("owner controls: %w", err)
	}
	if !found {
		log.Info("created owner settings", zap.String("file", SettingsFile))
	}
	return c, nil
}

// Settings returns a copy of the current settings.
func (c *Controls) Settings() Settings {
	c.mu.Lock()
	defer c.mu.Unlock()
	return clone(c.s)
}

// Schedule returns the current settings' parsed schedule.
func (c *Controls) Schedule() *Schedule {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sched
}

// Update applies edit to a copy of the settings, then validates, saves and
// publishes the result. An error from edit or from validation leaves the
// settings as they were.
func (c *Controls) Update(edit func(*Settings) error) (Settings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := clone(c.s)
	if err := edit(&s); err != nil {
		return clone(c.s), err
	}
	if err := c.setLocked(s); err != nil {
		return clone(c.s), err
	}
	c.log.Info("owner settings changed", zap.Bool("paused", s.Paused), zap.Int64("cap_bps", s.CapBps()))
	return clone(s), nil
}

// Changed receives a value after settings change; changes in quick
// succession may share one value.
func (c *Controls) Changed() <-chan struct{} { return c.changed }

func (c *Controls) set(s Settings) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.setLocked(s)
}

func (c *Controls) setLocked(s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	sched, err := ParseSchedule(s.Schedule)
	if err != nil {
		return err
	}
	if err := SaveSettings(c.dir, s); err != nil {
		return err
	}
	c.s, c.sched = s, sched
	select {
	case c.changed <- struct{}{}:
	default:
	}
	return nil
}

func clone(s Settings) Settings {
	s.EgressAllow = slices.Clone(s.EgressAllow)
	s.EgressDeny = slices.Clone(s.EgressDeny)
	return s
}
