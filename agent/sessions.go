package agent

import (
	"sort"
	"sync"
	"time"

	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/metering/meter"
)

// activeWindow is how recently a lease must have carried traffic to
// count as served now, for the owner's lease limit and the dashboard.
const activeWindow = time.Minute

// sessions follows the exit's per-lease counts: which leases are active
// and how many payload bytes are new since the last look.
type sessions struct {
	mu   sync.Mutex
	seen map[string]*session
}

type session struct {
	totals     meter.Totals
	lastActive time.Time
}

func newSessions() *sessions { return &sessions{seen: make(map[string]*session)} }

// observe reads m and returns the payload bytes counted since the last
// call. Leases the meter forgot are dropped.
func (s *sessions) observe(m *meter.Meter, now time.Time) int64 {
	snap := m.Snapshot()
	s.mu.Lock()
	defer s.mu.Unlock()
	var fresh int64
	for id, t := range snap {
		se := s.seen[id]
		if se == nil {
			se = new(session)
			s.seen[id] = se
		}
		if d := t.Sum() - se.totals.Sum(); d > 0 {
			fresh += d
			se.lastActive = now
		}
		se.totals = t
	}
	for id := range s.seen {
		if _, ok := snap[id]; !ok {
			delete(s.seen, id)
		}
	}
	return fresh
}

// active counts the leases that carried traffic within activeWindow.
func (s *sessions) active(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, se := range s.seen {
		if now.Sub(se.lastActive) < activeWindow {
			n++
		}
	}
	return n
}

// list returns the active leases, most recent first.
func (s *sessions) list(now time.Time) []status.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []status.Session{}
	for id, se := range s.seen {
		if now.Sub(se.lastActive) < activeWindow {
			out = append(out, status.Session{LeaseID: id, UpBytes: se.totals.Up, DownBytes: se.totals.Down, LastActive: se.lastActive})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].LastActive.Equal(out[j].LastActive) {
			return out[i].LastActive.After(out[j].LastActive)
		}
		return out[i].LeaseID < out[j].LeaseID
	})
	return out
}

// peak is the highest value seen within a sliding window, so that a
// household must stay quiet for the whole window to count as idle.
type peak struct {
	window  time.Duration
	samples []sample
}

// maxSamples bounds a peak's memory whatever the clock does.
const maxSamples = 1024

type sample struct {
	at time.Time
	v  int64
}

func (p *peak) add(at time.Time, v int64) int64 {
	keep := p.samples[:0]
	for _, s := range p.samples {
		if at.Sub(s.at) < p.window {
			keep = append(keep, s)
		}
	}
	if len(keep) >= maxSamples {
		keep = keep[1:] // a clock that went back: drop from the head
	}
	p.samples = append(keep, sample{at, v})
	top := int64(0)
	for _, s := range p.samples {
		top = max(top, s.v)
	}
	return top
}
