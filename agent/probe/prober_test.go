package probe

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// TestMeasureShapedLine probes loopback servers shaped to known rates and
// checks the estimate and the bounds on bytes and time.
func TestMeasureShapedLine(t *testing.T) {
	tests := []struct {
		name        string
		bps         int64
		cfg         Config
		maxDuration time.Duration // the whole Measure, both directions
		upperUp     bool          // the upload estimate is only an upper bound
	}{
		{"2 MB/s line", 2e6, Config{Target: 500 * time.Millisecond}, 4 * time.Second, false},
		{"byte budget caps a round", 4e6, Config{Target: 5 * time.Second, MaxBytes: 2 << 20}, 3 * time.Second, false},
		{"time limit cuts a slow line", 200e3, Config{StartBytes: 1 << 20, MaxDuration: 700 * time.Millisecond}, 3 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, HandlerConfig{}, tt.bps)
			cfg := tt.cfg
			cfg.BaseURL, cfg.Line = srv.url+"/", homeLine(t, 0)
			p, err := New(cfg, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r, err := p.Measure(context.Background())
			took := time.Since(start)
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			if r.DownBps < tt.bps*7/10 || r.DownBps > tt.bps*13/10 {
				t.Errorf("got down %d B/s on a %d B/s line, want within 30%%", r.DownBps, tt.bps)
			}
			if r.UpBps < tt.bps*7/10 || (!tt.upperUp && r.UpBps > tt.bps*13/10) {
				t.Errorf("got up %d B/s on a %d B/s line, want within 30%% (upper bound only: %v)", r.UpBps, tt.bps, tt.upperUp)
			}
			budget := p.cfg.MaxBytes
			if r.DownBytes > budget || r.UpBytes > budget {
				t.Errorf("got %d down and %d up moved, want at most %d each", r.DownBytes, r.UpBytes, budget)
			}
			if took > tt.maxDuration {
				t.Errorf("got Measure taking %v, want at most %v", took, tt.maxDuration)
			}
		})
	}
}

func TestMeasureOnlyWhenIdle(t *testing.T) {
	tests := []struct {
		name    string
		busyBps int64 // household upload on a 10 MB/s line
		wantErr error
	}{
		{"quiet", 0, nil},
		{"below the idle threshold", 400e3, nil},
		{"household uploading", 2e6, ErrNotIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, HandlerConfig{}, 0)
			p, err := New(Config{BaseURL: srv.url + "/v1", Line: homeLine(t, tt.busyBps), MaxBytes: 1 << 20}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Measure(context.Background())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			if n := srv.requests.Load(); (n == 0) != (tt.wantErr != nil) {
				t.Errorf("got %d requests at the server, want none exactly when the line is busy", n)
			}
		})
	}
}

func TestMeasureNoSampleYet(t *testing.T) {
	srv := newServer(t, HandlerConfig{}, 0)
	line := homeLine(t, 0)
	fresh, err := New(Config{BaseURL: srv.url + "/v1", Line: line}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	fresh.cfg.Line = newUnsampled(t)
	if _, err := fresh.Measure(context.Background()); !errors.Is(err, ErrNotIdle) {
		t.Errorf("got %v before the first sample, want ErrNotIdle", err)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no base URL", Config{Line: homeLine(t, 0)}},
		{"no line", Config{BaseURL: "http://127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := New(tt.cfg, zaptest.NewLogger(t)); err == nil {
				t.Errorf("got prober %v, want an error", p)
			}
		})
	}
}
