package yieldlab

import (
	"strings"
	"testing"
	"time"
)

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		wantKind string
		wantVals int
		wantText string
		wantErr  bool
	}{
		{"allowed", "allowed 1000000000 4500000", "allowed", 1, "4500000", false},
		{"listen", "listen 1000000000 10.231.0.2:4000", "listen", 0, "10.231.0.2:4000", false},
		{"bytes", "bytes 1000000000 10 20", "bytes", 2, "10", false},
		{"no time", "allowed", "", 0, "", true},
		{"bad time", "allowed soon 5", "", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := parseEvent(tt.line)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseEvent(%q): got error %v, want error %v", tt.line, err, tt.wantErr)
			}
			if err == nil && (ev.kind != tt.wantKind || len(ev.vals) != tt.wantVals || ev.text != tt.wantText) {
				t.Errorf("got %+v, want kind %q, %d values, text %q", ev, tt.wantKind, tt.wantVals, tt.wantText)
			}
		})
	}
}

// sec is a time sec seconds after a fixed start.
func sec(s float64) time.Time {
	return time.Unix(1_900_000_000, 0).Add(time.Duration(s * float64(time.Second)))
}

func sampleTimeline() *timeline {
	tl := &timeline{}
	for i := range 11 { // sink: relay 1 MB/s for 5 s, then the household 2 MB/s too
		s := float64(i)
		relay, house := int64(s*1e6), int64(max(s-5, 0)*2e6)
		tl.add("sink", event{kind: "bytes", at: sec(s), vals: []int64{relay, house}})
	}
	tl.add("relay", event{kind: "allowed", at: sec(1), vals: []int64{4e6}})
	tl.add("relay", event{kind: "allowed", at: sec(6.5), vals: []int64{1e6}})
	tl.add("relay", event{kind: "allowed", at: sec(9), vals: []int64{4e6}})
	return tl
}

func TestTimelineDelivered(t *testing.T) {
	tests := []struct {
		name                string
		from, to            float64
		wantRelay, wantHome int64
	}{
		{"relay alone", 1, 5, 1e6, 0},
		{"both", 6, 10, 1e6, 2e6},
		{"between reports uses the last before", 5.5, 9.5, 1e6, 2e6},
		{"before any report", -2, -1, 0, 0},
	}
	tl := sampleTimeline()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			relay, home := tl.delivered(sec(tt.from), sec(tt.to))
			if relay != tt.wantRelay || home != tt.wantHome {
				t.Errorf("got relay %d household %d, want %d %d", relay, home, tt.wantRelay, tt.wantHome)
			}
		})
	}
}

func TestTimelineAllowed(t *testing.T) {
	tests := []struct {
		name string
		at   float64
		want int64
	}{
		{"before the first", 0.5, 0},
		{"first", 3, 4e6},
		{"after the drop", 7, 1e6},
		{"recovered", 10, 4e6},
	}
	tl := sampleTimeline()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tl.allowed(sec(tt.at)); got != tt.want {
				t.Errorf("allowed at %.1fs: got %d, want %d", tt.at, got, tt.want)
			}
		})
	}
	if got := tl.minAllowed(sec(2), sec(10)); got != 1e6 {
		t.Errorf("got lowest allowed %d between 2s and 10s, want 1000000", got)
	}
	if got := tl.minAllowed(sec(2), sec(6)); got != 4e6 {
		t.Errorf("got lowest allowed %d between 2s and 6s, want 4000000", got)
	}
	drop, ok := tl.first("relay", "allowed", sec(5), func(ev event) bool { return rate(ev) <= 2e6 })
	if !ok || !drop.at.Equal(sec(6.5)) {
		t.Errorf("got first drop %v (found %v), want at %v", drop.at, ok, sec(6.5))
	}
	if log := tl.format(sec(0)); !strings.Contains(log, "household   2.00 MB/s") {
		t.Errorf("timeline does not show the household's 2 MB/s:\n%s", log)
	}
}
