package yieldlab

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A helper reports to the lab one event per line on its standard output:
// a kind, the time in Unix nanoseconds, then values. Kinds:
//
//	listen   <ns> <addr>                        sink is accepting
//	bytes    <ns> <relay> <household>           sink's cumulative counts
//	allowed  <ns> <bps>                         controller changed the rate
//	sample   <ns> <householdUp> <relayUp> <spare>  sampler's estimate
//	started  <ns>                               household is sending
type emitter struct {
	mu sync.Mutex
	w  io.Writer
}

func (e *emitter) emit(kind string, vals ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	line := []string{kind, strconv.FormatInt(time.Now().UnixNano(), 10)}
	for _, v := range vals {
		line = append(line, fmt.Sprint(v))
	}
	fmt.Fprintln(e.w, strings.Join(line, " "))
}

// event is one parsed line.
type event struct {
	kind string
	at   time.Time
	vals []int64
	text string // the first value as text, for listen
}

func parseEvent(line string) (event, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return event{}, fmt.Errorf("short event line %q", line)
	}
	ns, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return event{}, fmt.Errorf("event time in %q: %w", line, err)
	}
	ev := event{kind: f[0], at: time.Unix(0, ns)}
	if len(f) > 2 {
		ev.text = f[2]
	}
	for _, s := range f[2:] {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			ev.vals = append(ev.vals, v)
		}
	}
	return ev, nil
}
