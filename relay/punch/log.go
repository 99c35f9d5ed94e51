package punch

import (
	"fmt"

	"github.com/pion/logging"
	"go.uber.org/zap"
)

// loggerFactory sends the ICE agent's logs to zap. The agent is chatty
// at debug level and names addresses, so everything below warnings goes
// to zap's debug level.
type loggerFactory struct{ log *zap.Logger }

func (f loggerFactory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.Named(scope).Sugar()}
}

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
