package quicexit

import "go.uber.org/zap"

// NewUnmeteredForBenchmark returns an exit that neither counts bytes on
// Config.Meter nor enforces byte caps. It exists only so that
// internal/bench can measure what metering costs by comparing it with New
// on the same machine. Never serve leases with it: nothing it carries
// could be billed, and byte caps would not hold.
func NewUnmeteredForBenchmark(cfg Config, log *zap.Logger) (*Exit, error) {
	e, err := New(cfg, log)
	if err != nil {
		return nil, err
	}
	e.unmetered = true
	return e, nil
}
