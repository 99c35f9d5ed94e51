package main

import (
	"errors"
	"reflect"
	"testing"

	"github.com/spf13/pflag"

	"github.com/sparelink/sparelink/agent/owner"
)

func TestOwnerFlags(t *testing.T) {
	stored := owner.Settings{MaxLeases: 4, Schedule: "weekends all day"}
	tests := []struct {
		name    string
		args    []string
		want    owner.Settings
		wantErr error
	}{
		{"nothing given keeps the stored settings", nil, stored, nil},
		{"max-rate then a finer max-up", []string{"--max-up", "8", "--max-rate", "20"},
			owner.Settings{MaxUpBps: 1_000_000, MaxDownBps: 2_500_000, MaxLeases: 4, Schedule: "weekends all day"}, nil},
		{"switch without a value", []string{"--only-when-idle", "--egress-web-only=off"},
			owner.Settings{OnlyWhenIdle: true, MaxLeases: 4, Schedule: "weekends all day"}, nil},
		{"repeated allow rules", []string{"--egress-allow", "203.0.113.7:443", "--egress-allow", "198.51.100.0/24,192.0.2.1:80"},
			owner.Settings{EgressAllow: []string{"203.0.113.7:443", "198.51.100.0/24", "192.0.2.1:80"}, MaxLeases: 4, Schedule: "weekends all day"}, nil},
		{"schedule and quota", []string{"--schedule", "weekdays 18:00-08:00", "--quota", "100", "--quota-reset-day", "3", "--max-leases", "0"},
			owner.Settings{Schedule: "weekdays 18:00-08:00", QuotaBytes: 100e9, QuotaResetDay: 3}, nil},
		{"bad value", []string{"--max-leases", "many"}, owner.Settings{}, owner.ErrInvalid},
		{"bad schedule", []string{"--schedule", "sometimes"}, owner.Settings{}, owner.ErrSchedule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			sf := ownerFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatalf("parse %q: %v", tt.args, err)
			}
			apply, err := sf.override()
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("override: got %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got := stored
			apply(&got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("settings: got %+v, want %+v", got, tt.want)
			}
		})
	}
	if fs := pflag.NewFlagSet("test", pflag.ContinueOnError); ownerFlags(fs).fs.Lookup("paused") != nil {
		t.Errorf("--paused is a flag, want pausing to be a command only")
	}
}
