package logging

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// logFile returns a fresh file in the test's temporary directory.
func logFile(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatalf("create log file: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// lines returns what was written to f, one entry per line.
func lines(t *testing.T, f *os.File) []string {
	t.Helper()
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatalf("read log file: %v", err)
	}
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func TestJSONLine(t *testing.T) {
	f := logFile(t)
	log, err := New(Config{Level: "info", Format: "json"}, f)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	log.Named("relay").Info("lease opened", zap.String("lease", "ls_1"), zap.Int64("bytes", 42))
	_ = log.Sync()
	got := lines(t, f)
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1: %q", len(got), got)
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(got[0]), &entry); err != nil {
		t.Fatalf("line %q is not JSON: %v", got[0], err)
	}
	want := map[string]any{"level": "info", "msg": "lease opened", "logger": "relay", "lease": "ls_1", "bytes": float64(42)}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("field %q: got %v, want %v", k, entry[k], v)
		}
	}
	ts, _ := entry["ts"].(string)
	if len(ts) < len("2006-01-02T15:04:05") || ts[4] != '-' || ts[10] != 'T' {
		t.Errorf("ts: got %q, want an ISO 8601 time", entry["ts"])
	}
}

func TestLevels(t *testing.T) {
	all := []zapcore.Level{zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel}
	tests := []struct {
		level string
		min   zapcore.Level
	}{
		{"", zapcore.InfoLevel},
		{"debug", zapcore.DebugLevel},
		{"info", zapcore.InfoLevel},
		{"warn", zapcore.WarnLevel},
		{"error", zapcore.ErrorLevel},
		{"WARN", zapcore.WarnLevel},
	}
	for _, tt := range tests {
		t.Run("level "+tt.level, func(t *testing.T) {
			f := logFile(t)
			log, err := New(Config{Level: tt.level, Format: "json"}, f)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			for _, l := range all {
				log.Log(l, "entry at "+l.String())
			}
			_ = log.Sync()
			var want []string
			for _, l := range all {
				if l >= tt.min {
					want = append(want, l.String())
				}
			}
			var got []string
			for _, line := range lines(t, f) {
				var e struct{ Level string }
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("line %q is not JSON: %v", line, err)
				}
				got = append(got, e.Level)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("levels written: got %v, want %v", got, want)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		format   string
		wantJSON bool
	}{
		{"json", true},
		{"console", false},
		// A file is not a terminal, so auto picks JSON.
		{"auto", true},
		{"", true},
	}
	for _, tt := range tests {
		t.Run("format "+tt.format, func(t *testing.T) {
			f := logFile(t)
			log, err := New(Config{Format: tt.format}, f)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			log.Info("hello", zap.String("k", "v"))
			_ = log.Sync()
			got := lines(t, f)
			if len(got) != 1 {
				t.Fatalf("got %d lines, want 1: %q", len(got), got)
			}
			isJSON := json.Valid([]byte(got[0]))
			if isJSON != tt.wantJSON {
				t.Fatalf("line %q: got JSON=%v, want %v", got[0], isJSON, tt.wantJSON)
			}
			if !tt.wantJSON && (!strings.Contains(got[0], "INFO") || !strings.Contains(got[0], "hello") || !strings.Contains(got[0], `"k": "v"`)) {
				t.Errorf("console line %q lacks the level, message or fields", got[0])
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // parts of the error
	}{
		{"unknown level", Config{Level: "verbose"}, []string{`"verbose"`, "debug, info, warn or error"}},
		{"unknown format", Config{Format: "xml"}, []string{`"xml"`, "auto, console or json"}},
		{"level and format", Config{Level: "loud", Format: "xml"}, []string{`"loud"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := New(tt.cfg, logFile(t))
			if err == nil || log != nil {
				t.Fatalf("New(%+v): got logger %v, err %v; want an error", tt.cfg, log, err)
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q: want it to mention %s", err, part)
				}
			}
		})
	}
}
