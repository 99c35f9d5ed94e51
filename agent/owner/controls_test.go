package owner

import (
	"errors"
	"testing"

	"go.uber.org/zap/zaptest"
)

func openControls(t *testing.T, dir string, override func(*Settings)) *Controls {
	t.Helper()
	c, err := Open(Config{Dir: dir, Override: override}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return c
}

func TestControlsPersistAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	c := openControls(t, dir, nil)
	if got := c.Settings(); got.Paused || got.CapBps() != 0 {
		t.Fatalf("first start: got %+v, want the zero settings", got)
	}
	if _, err := c.Update(func(s *Settings) error { return Set(s, "max-rate", "20") }); err != nil {
		t.Fatalf("Update: %v", err)
	}
	select {
	case <-c.Changed():
	default:
		t.Errorf("Update did not signal Changed")
	}
	again := openControls(t, dir, nil)
	if got := again.Settings().CapBps(); got != 2_500_000 {
		t.Errorf("after restart: got cap %d B/s, want 2500000 (20 Mbit/s)", got)
	}
}

func TestControlsOverrideWins(t *testing.T) {
	dir := t.TempDir()
	c := openControls(t, dir, nil)
	if _, err := c.Update(func(s *Settings) error { s.MaxLeases, s.Paused = 7, true; return nil }); err != nil {
		t.Fatal(err)
	}
	c = openControls(t, dir, func(s *Settings) { s.MaxLeases = 2 })
	got := c.Settings()
	if got.MaxLeases != 2 || !got.Paused {
		t.Errorf("with an override: got max leases %d paused %v, want 2 and the stored pause", got.MaxLeases, got.Paused)
	}
	if stored, _, _ := LoadSettings(dir); stored.MaxLeases != 2 {
		t.Errorf("override was not saved: stored max leases %d, want 2", stored.MaxLeases)
	}
}

func TestControlsRejectBadUpdates(t *testing.T) {
	c := openControls(t, t.TempDir(), func(s *Settings) { s.Schedule = "weekends all day" })
	<-c.Changed()
	editErr := errors.New("edit refused")
	tests := []struct {
		name string
		edit func(*Settings) error
		want error
	}{
		{"edit error", func(s *Settings) error { s.Paused = true; return editErr }, editErr},
		{"invalid value", func(s *Settings) error { s.MaxLeases = -1; return nil }, ErrInvalid},
		{"invalid schedule", func(s *Settings) error { s.Schedule = "never ever"; return nil }, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Update(tt.edit)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Update: got %v, want %v", err, tt.want)
			}
			if got.Paused || got.MaxLeases != 0 || got.Schedule != "weekends all day" {
				t.Errorf("Update returned %+v, want the unchanged settings", got)
			}
			if c.Schedule().Always() {
				t.Errorf("schedule changed after a refused update")
			}
			select {
			case <-c.Changed():
				t.Errorf("refused update signalled Changed")
			default:
			}
		})
	}
	if _, err := Open(Config{}, zaptest.NewLogger(t)); err == nil {
		t.Errorf("Open without a directory: got no error")
	}
	if _, err := Open(Config{Dir: t.TempDir(), Override: func(s *Settings) { s.QuotaResetDay = 40 }}, zaptest.NewLogger(t)); !errors.Is(err, ErrInvalid) {
		t.Errorf("Open with a bad override: got %v, want ErrInvalid", err)
	}
}
