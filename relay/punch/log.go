package punch

import (
	"fmt"
	"sync/atomic"

	"github.com/pion/logging"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// loggerFactory sends the ICE agent's logs to zap. The agent is chatty
// at debug level and names addresses, so everything below warnings goes
// to zap's debug level.
// After the session closes, the agent's goroutines may still log on their
// way out; quiet drops those lines, since the session's owner may be
// gone.
type loggerFactory struct {
	log   *zap.Logger
	quiet *atomic.Bool
}

func (f loggerFactory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{quietCore(f.log.Named(scope), f.quiet).Sugar()}
}

// quietCore wraps log so that nothing is written once quiet is set.
func quietCore(log *zap.Logger, quiet *atomic.Bool) *zap.Logger {
	return log.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return quietGate{c, quiet} }))
}

type quietGate struct {
	zapcore.Core
	quiet *atomic.Bool
}

func (q quietGate) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if q.quiet.Load() {
		return ce
	}
	return q.Core.Check(e, ce)
}

func (q quietGate) With(f []zapcore.Field) zapcore.Core { return quietGate{q.Core.With(f), q.quiet} }

type pionLogger struct{ s *zap.SugaredLogger }

var _ logging.LeveledLogger = pionLogger{}

func (l pionLogger) Trace(msg string)                  {}
func (l pionLogger) Tracef(format string, args ...any) {}
func (l pionLogger) Debug(msg string)                  { l.s.Debug(msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.s.Debugf(format, args...) }
func (l pionLogger) Info(msg string)                   { l.s.Debug(msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.s.Debugf(format, args...) }
func (l pionLogger) Warn(msg string)                   { l.s.Warn(msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.s.Warn(fmt.Sprintf(format, args...)) }
func (l pionLogger) Error(msg string)                  { l.s.Error(msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.s.Error(fmt.Sprintf(format, args...)) }
