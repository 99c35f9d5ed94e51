package soak

import (
	"testing"
	"time"
)

func TestForms(t *testing.T) {
	tests := []struct {
		name      string
		env       string
		wantLong  bool
		wantN     int
		wantDelay time.Duration
	}{
		{"unset", "", false, 3, time.Second},
		{"one", "1", true, 300, time.Minute},
		{"true", "true", true, 300, time.Minute},
		{"false", "false", false, 3, time.Second},
		{"garbage", "soon", false, 3, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(Env, tc.env)
			if got := Long(); got != tc.wantLong {
				t.Errorf("Long() with %s=%q: got %v, want %v", Env, tc.env, got, tc.wantLong)
			}
			if got := N(3, 300); got != tc.wantN {
				t.Errorf("N(3, 300): got %d, want %d", got, tc.wantN)
			}
			if got := Duration(time.Second, time.Minute); got != tc.wantDelay {
				t.Errorf("Duration(1s, 1m): got %v, want %v", got, tc.wantDelay)
			}
		})
	}
}
