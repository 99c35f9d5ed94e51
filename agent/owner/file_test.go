package owner

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDecode(t *testing.T) {
	base := Settings{MaxUpBps: 1000, EgressAllow: []string{"203.0.113.7:443"}}
	tests := []struct {
		name    string
		doc     string
		want    Settings
		wantErr error
	}{
		{"empty object keeps base", `{}`, base, nil},
		{"one field", `{"paused": true}`, Settings{Paused: true, MaxUpBps: 1000, EgressAllow: []string{"203.0.113.7:443"}}, nil},
		{"replace list", `{"egress_allow": []}`, Settings{MaxUpBps: 1000, EgressAllow: []string{}}, nil},
		{"schedule", `{"schedule": "weekends all day"}`, Settings{MaxUpBps: 1000, Schedule: "weekends all day", EgressAllow: []string{"203.0.113.7:443"}}, nil},
		{"unknown field", `{"max_rate": 5}`, Settings{}, ErrDecode},
		{"trailing data", `{} {}`, Settings{}, ErrDecode},
		{"not an object", `[1]`, Settings{}, ErrDecode},
		{"string for number", `{"max_up_bps": "5"}`, Settings{}, ErrDecode},
		{"negative cap", `{"max_up_bps": -1}`, Settings{}, ErrInvalid},
		{"reset day 29", `{"quota_reset_day": 29}`, Settings{}, ErrInvalid},
		{"bad schedule", `{"schedule": "sometimes"}`, Settings{}, ErrInvalid},
		{"bad egress rule", `{"egress_deny": ["localhost:80"]}`, Settings{}, ErrInvalid},
		{"huge document", `{"schedule": "` + strings.Repeat(" ", maxDocument) + `"}`, Settings{}, ErrDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.doc), base)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Decode(%.40q): got error %v, want %v", tt.doc, err, tt.wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode(%q): got %+v, want %+v", tt.doc, got, tt.want)
			}
		})
	}
	if base.EgressAllow[0] != "203.0.113.7:443" {
		t.Errorf("Decode changed the base settings' list")
	}
}

func TestSettingsFile(t *testing.T) {
	dir := t.TempDir()
	if _, found, err := LoadSettings(dir); found || err != nil {
		t.Fatalf("LoadSettings of an empty dir: got found %v, err %v; want neither", found, err)
	}
	want := Settings{Paused: true, MaxDownBps: 2_500_000, QuotaBytes: 50e9, QuotaResetDay: 5,
		Schedule: "weekdays 09:00-17:00", OnlyWhenIdle: true, MaxLeases: 3,
		EgressDeny: []string{"198.51.100.0/24"}, WebOnly: true}
	if err := SaveSettings(dir, want); err != nil {
		t.Fatalf("SaveSettings: %v", err)
	}
	fi, err := os.Stat(filepath.Join(dir, SettingsFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("settings file mode: got %o, want 600", got)
	}
	got, found, err := LoadSettings(dir)
	if err != nil || !found || !reflect.DeepEqual(got, want) {
		t.Errorf("LoadSettings: got %+v (found %v, err %v), want %+v", got, found, err, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries after a save, want only the settings file", len(entries))
	}
}

func TestLoadSettingsRefuses(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"no version", `{"paused": true}`, "version 0 is not supported"},
		{"future version", `{"version": 2}`, "version 2 is not supported"},
		{"unknown field", `{"version": 1, "colour": "red"}`, "unknown field"},
		{"bad value", `{"version": 1, "max_leases": -4}`, "max_leases"},
		{"not json", `paused=true`, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, _, err := LoadSettings(dir); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadSettings: got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestUsageFile(t *testing.T) {
	dir := t.TempDir()
	if u, err := LoadUsage(dir); err != nil || u != (Usage{}) {
		t.Fatalf("LoadUsage of an empty dir: got %+v, %v; want zero", u, err)
	}
	want := Usage{PeriodStart: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), Bytes: 12345}
	if err := SaveUsage(dir, want); err != nil {
		t.Fatalf("SaveUsage: %v", err)
	}
	got, err := LoadUsage(dir)
	if err != nil || !got.PeriodStart.Equal(want.PeriodStart) || !got.PeriodEnd.Equal(want.PeriodEnd) || got.Bytes != want.Bytes {
		t.Errorf("LoadUsage: got %+v, %v; want %+v", got, err, want)
	}
}
