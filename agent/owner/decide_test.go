package owner

import (
	"testing"
	"time"
)

// clock is the injected time of the decisions: Tuesday 10:00.
var clock = at(time.Tuesday, 10, 0)

func TestDecide(t *testing.T) {
	const spare = 5_000_000
	idle := Inputs{Now: clock, SpareBps: spare}
	with := func(edit func(*Inputs)) Inputs {
		in := idle
		edit(&in)
		return in
	}
	tests := []struct {
		name string
		s    Settings
		in   Inputs
		want Decision
	}{
		{"no settings shares all spare", Settings{}, idle,
			Decision{Tunnels: true, NewLeases: true, SpareBps: spare}},
		{"cap limits spare", Settings{MaxUpBps: 1_000_000}, idle,
			Decision{Tunnels: true, NewLeases: true, CapBps: 1_000_000, SpareBps: 1_000_000}},
		{"lower direction wins", Settings{MaxUpBps: 3_000_000, MaxDownBps: 2_000_000}, idle,
			Decision{Tunnels: true, NewLeases: true, CapBps: 2_000_000, SpareBps: 2_000_000}},
		{"cap above spare", Settings{MaxDownBps: 9_000_000}, idle,
			Decision{Tunnels: true, NewLeases: true, CapBps: 9_000_000, SpareBps: spare}},
		{"paused", Settings{Paused: true, MaxUpBps: 1_000_000}, idle,
			Decision{EndOpen: true, Reason: ReasonPaused, CapBps: 1_000_000}},
		{"quota used up", Settings{QuotaBytes: 1e9}, with(func(in *Inputs) { in.UsedBytes = 1e9 }),
			Decision{EndOpen: true, Reason: ReasonQuota}},
		{"quota almost used", Settings{QuotaBytes: 1e9}, with(func(in *Inputs) { in.UsedBytes = 1e9 - 1 }),
			Decision{Tunnels: true, NewLeases: true, SpareBps: spare}},
		{"inside schedule", Settings{Schedule: "weekdays 09:00-17:00"}, idle,
			Decision{Tunnels: true, NewLeases: true, SpareBps: spare}},
		{"outside schedule", Settings{Schedule: "weekdays 09:00-17:00"}, with(func(in *Inputs) { in.Now = at(time.Tuesday, 17, 0) }),
			Decision{EndOpen: true, Reason: ReasonSchedule}},
		{"household busy", Settings{OnlyWhenIdle: true}, with(func(in *Inputs) { in.HouseholdBps = DefaultIdleBelowBps }),
			Decision{Reason: ReasonHousehold}},
		{"household quiet", Settings{OnlyWhenIdle: true}, with(func(in *Inputs) { in.HouseholdBps = DefaultIdleBelowBps - 1 }),
			Decision{Tunnels: true, NewLeases: true, SpareBps: spare}},
		{"own idle threshold", Settings{OnlyWhenIdle: true, IdleBelowBps: 10_000_000}, with(func(in *Inputs) { in.HouseholdBps = 9_000_000 }),
			Decision{Tunnels: true, NewLeases: true, SpareBps: spare}},
		{"busy household ignored without idle mode", Settings{}, with(func(in *Inputs) { in.HouseholdBps = 50_000_000 }),
			Decision{Tunnels: true, NewLeases: true, SpareBps: spare}},
		{"lease limit reached", Settings{MaxLeases: 2}, with(func(in *Inputs) { in.ActiveLeases = 2 }),
			Decision{Tunnels: true, Reason: ReasonLeases}},
		{"below lease limit", Settings{MaxLeases: 2}, with(func(in *Inputs) { in.ActiveLeases = 1 }),
			Decision{Tunnels: true, NewLeases: true, SpareBps: spare}},
		{"pause beats quota", Settings{Paused: true, QuotaBytes: 1}, with(func(in *Inputs) { in.UsedBytes = 5 }),
			Decision{EndOpen: true, Reason: ReasonPaused}},
		{"quota beats schedule", Settings{QuotaBytes: 1, Schedule: "sun all day"}, with(func(in *Inputs) { in.UsedBytes = 5 }),
			Decision{EndOpen: true, Reason: ReasonQuota}},
		{"negative spare reads as none", Settings{}, with(func(in *Inputs) { in.SpareBps = -1 }),
			Decision{Tunnels: true, NewLeases: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sched, err := ParseSchedule(tt.s.Schedule)
			if err != nil {
				t.Fatal(err)
			}
			if got := Decide(tt.s, sched, tt.in); got != tt.want {
				t.Errorf("Decide: got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReasonSentences(t *testing.T) {
	seen := make(map[string]Reason)
	for _, r := range []Reason{ReasonPaused, ReasonQuota, ReasonSchedule, ReasonHousehold, ReasonLeases} {
		s := r.Sentence()
		if s == "" {
			t.Errorf("reason %q has no sentence", r)
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("reasons %q and %q share the sentence %q", prev, r, s)
		}
		seen[s] = r
	}
	if got := Reason("").Sentence(); got != "" {
		t.Errorf("empty reason: got %q, want no sentence", got)
	}
}
