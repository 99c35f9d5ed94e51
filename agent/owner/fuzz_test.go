package owner

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseSchedule feeds schedule texts, as the status API receives
// them, to the parser: it must not panic, and a schedule it accepts must
// answer Allows and NextChange for any time.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"", "always", "weekdays 09:00-17:00, weekends all day", "fri-mon 22:00-06:00; sun 00:00-24:00", "mon 9:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSchedule(text)
		if err != nil {
			return
		}
		now := clock
		if s.Always() && !s.NextChange(now).IsZero() {
			t.Fatalf("schedule %q allows everything but changes", text)
		}
		if next := s.NextChange(now); !next.IsZero() && s.Allows(next) == s.Allows(now) {
			t.Fatalf("schedule %q: NextChange %s does not change Allows", text, next)
		}
	})
}

// FuzzDecode feeds settings documents, as PUT /v1/settings receives
// them, to Decode: it must not panic, and what it accepts must be valid
// and survive a JSON round trip unchanged.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"paused": true, "max_up_bps": 1000, "schedule": "weekends all day"}`))
	f.Add([]byte(`{"egress_allow": ["203.0.113.7:443"], "egress_web_only": true}`))
	f.Add([]byte(`{"quota_reset_day": 31}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := Decode(doc, Settings{})
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Decode accepted invalid settings: %v", err)
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode(out, Settings{})
		if err != nil || !reflect.DeepEqual(normal(again), normal(s)) {
			t.Fatalf("round trip: got %+v (%v), want %+v", again, err, s)
		}
	})
}

// normal makes empty and nil lists compare equal.
func normal(s Settings) Settings {
	if len(s.EgressAllow) == 0 {
		s.EgressAllow = nil
	}
	if len(s.EgressDeny) == 0 {
		s.EgressDeny = nil
	}
	return s
}

// FuzzSet feeds `sparelink-agent set NAME VALUE` arguments to Set: it must
// not panic and must leave valid settings either way.
func FuzzSet(f *testing.F) {
	f.Add("max-rate", "20")
	f.Add("schedule", "weekdays 09:00-17:00")
	f.Add("egress-allow", "203.0.113.7:443,none")
	f.Fuzz(func(t *testing.T, name, value string) {
		s := Settings{MaxLeases: 1}
		before := clone(s)
		if err := Set(&s, name, value); err != nil {
			if !reflect.DeepEqual(s, before) {
				t.Fatalf("failed Set changed the settings to %+v", s)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Set(%q, %q) left invalid settings: %v", name, value, err)
		}
	})
}
