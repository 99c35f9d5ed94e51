// Package logging builds the zap logger every SpareLink binary uses: human
// console output when writing to a terminal, JSON lines otherwise (services,
// pipes, log collectors).
package logging

import (
	"fmt"
	"os"

	"github.com/mattn/go-isatty"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Config selects level and format. The zero value is info level, format
// chosen by whether the output is a terminal.
type Config struct {
	Level  string // debug, info, warn, error; empty: info
	Format string // auto, console, json; empty: auto
}

// New returns a logger writing to w (usually os.Stderr).
func New(cfg Config, w *os.File) (*zap.Logger, error) {
	level := zapcore.InfoLevel
	if cfg.Level != "" {
		if err := level.UnmarshalText([]byte(cfg.Level)); err != nil {
			return nil, fmt.Errorf("log level %q: want debug, info, warn or error", cfg.Level)
		}
	}
	console, err := useConsole(cfg.Format, w)
	if err != nil {
		return nil, err
	}
	var enc zapcore.Encoder
	if console {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		ec.EncodeLevel = zapcore.CapitalColorLevelEncoder
		enc = zapcore.NewConsoleEncoder(ec)
	} else {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(w), level)
	return zap.New(core, zap.ErrorOutput(zapcore.Lock(w))), nil
}

func useConsole(format string, w *os.File) (bool, error) {
	switch format {
	case "", "auto":
		return isatty.IsTerminal(w.Fd()), nil
	case "console":
		return true, nil
	case "json":
		return false, nil
	}
	return false, fmt.Errorf("log format %q: want auto, console or json", format)
}
