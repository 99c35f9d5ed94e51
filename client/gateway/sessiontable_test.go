package gateway

import (
	"testing"
	"time"
)

func TestSessionTable(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cfg := SessionConfig{TTL: time.Hour, Idle: 10 * time.Minute, Max: 2}
	tests := []struct {
		name string
		then time.Time // when "a", given an exit at t0, is asked for again
		busy bool      // "a" is used every 9 minutes until then
		more []string  // other sessions started at t0+1m, t0+2m, …
		same bool      // "a" still has its exit
		held int       // sessions held afterwards
	}{
		{name: "used again soon", then: t0.Add(5 * time.Minute), same: true, held: 1},
		{name: "idle too long", then: t0.Add(11 * time.Minute), held: 1},
		{name: "past its ttl though busy", then: t0.Add(61 * time.Minute), busy: true, held: 1},
		{name: "least recently used is evicted", then: t0.Add(5 * time.Minute), more: []string{"b", "c"}, held: 2},
		{name: "recently used is kept", then: t0.Add(5 * time.Minute), busy: true, more: []string{"b"}, same: true, held: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newSessions(cfg.withDefaults())
			a := tab.get("a", t0)
			a.exit = "nd_a"
			for i, k := range tt.more {
				if tt.busy {
					tab.get("a", t0.Add(time.Duration(i)*time.Minute+30*time.Second))
				}
				tab.get(k, t0.Add(time.Duration(i+1)*time.Minute))
			}
			for at := t0.Add(9 * time.Minute); tt.busy && at.Before(tt.then); at = at.Add(9 * time.Minute) {
				tab.get("a", at)
			}
			got := tab.get("a", tt.then)
			if same := got == a && got.current() == "nd_a"; same != tt.same {
				t.Errorf("same session: got %v, want %v", same, tt.same)
			}
			if n := tab.len(); n != tt.held {
				t.Errorf("sessions held: got %d, want %d", n, tt.held)
			}
		})
	}
}
