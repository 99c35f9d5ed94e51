package owner

import (
	"errors"
	"reflect"
	"testing"
)

func TestSet(t *testing.T) {
	tests := []struct {
		name, setting, value string
		want                 Settings
		wantErr              error
	}{
		{"max rate sets both", "max-rate", "20", Settings{MaxUpBps: 2_500_000, MaxDownBps: 2_500_000}, nil},
		{"fractional Mbit", "max-up", "0.5", Settings{MaxUpBps: 62_500}, nil},
		{"max down", "max-down", "100", Settings{MaxDownBps: 12_500_000}, nil},
		{"none removes a cap", "max-rate", "none", Settings{}, nil},
		{"quota in GB", "quota", "250", Settings{QuotaBytes: 250e9}, nil},
		{"reset day", "quota-reset-day", "15", Settings{QuotaResetDay: 15}, nil},
		{"schedule", "schedule", " weekdays 09:00-17:00, weekends all day ", Settings{Schedule: "weekdays 09:00-17:00, weekends all day"}, nil},
		{"idle mode", "only-when-idle", "on", Settings{OnlyWhenIdle: true}, nil},
		{"idle threshold", "idle-below", "2", Settings{IdleBelowBps: 250_000}, nil},
		{"lease limit", "max-leases", "3", Settings{MaxLeases: 3}, nil},
		{"allow list", "egress-allow", "203.0.113.7:443, 198.51.100.0/24", Settings{EgressAllow: []string{"203.0.113.7:443", "198.51.100.0/24"}}, nil},
		{"deny none", "egress-deny", "none", Settings{}, nil},
		{"web only", "egress-web-only", "yes", Settings{WebOnly: true}, nil},
		{"pause", "paused", "true", Settings{Paused: true}, nil},
		{"unknown setting", "colour", "red", Settings{}, ErrInvalid},
		{"negative rate", "max-rate", "-1", Settings{}, ErrInvalid},
		{"rate not a number", "max-rate", "fast", Settings{}, ErrInvalid},
		{"rate NaN", "max-rate", "NaN", Settings{}, ErrInvalid},
		{"rate too high", "max-rate", "1e12", Settings{}, ErrInvalid},
		{"reset day 29", "quota-reset-day", "29", Settings{}, ErrInvalid},
		{"lease limit fraction", "max-leases", "2.5", Settings{}, ErrInvalid},
		{"bad boolean", "egress-web-only", "maybe", Settings{}, ErrInvalid},
		{"bad schedule", "schedule", "mon 9-5", Settings{}, ErrSchedule},
		{"bad rule", "egress-allow", "localhost:80", Settings{}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Settings
			err := Set(&s, tt.setting, tt.value)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Set(%q, %q): got error %v, want %v", tt.setting, tt.value, err, tt.wantErr)
			}
			if !reflect.DeepEqual(s, tt.want) {
				t.Errorf("Set(%q, %q): got %+v, want %+v", tt.setting, tt.value, s, tt.want)
			}
		})
	}
}

func TestNamesHaveHelp(t *testing.T) {
	names := Names()
	if len(names) != len(setters) {
		t.Fatalf("Names: got %d names, want %d", len(names), len(setters))
	}
	for _, n := range names {
		if Help(n) == "" {
			t.Errorf("setting %q has no help", n)
		}
		if Switch(n) {
			var s Settings
			if err := Set(&s, n, "on"); err != nil {
				t.Errorf("switch %q does not take \"on\": %v", n, err)
			}
		}
	}
}
