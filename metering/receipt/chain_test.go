package receipt

import (
	"errors"
	"testing"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
)

// fixedClock returns a clock that stands still at t until moved.
func fixedClock(t time.Time) (func() time.Time, func(time.Duration)) {
	now := t
	return func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) }
}

func TestIssuerChain(t *testing.T) {
	pub, key := newKey(t)
	now, step := fixedClock(time.Unix(1780000000, 0))
	iss := NewIssuer(key, "nd_test", now)
	if r, ok := iss.Issue("ls_a", meter.Totals{}); r != nil || ok {
		t.Fatalf("Issue(zero) = %v, %v, want nil, false", r, ok)
	}
	var chain []*Receipt
	for i, tot := range []meter.Totals{{Up: 10}, {Up: 10, Down: 5}, {Up: 10, Down: 5}, {Up: 30, Down: 5}} {
		r, ok := iss.Issue("ls_a", tot)
		if wantNew := i != 2; ok != wantNew {
			t.Fatalf("Issue #%d new = %v, want %v", i, ok, wantNew)
		}
		if err := r.Verify(pub); err != nil {
			t.Fatalf("Issue #%d: Verify: %v", i, err)
		}
		if ok {
			chain = append(chain, r)
		}
		// the clock stands still for the first two: Seq must still grow
		if i > 0 {
			step(time.Millisecond)
		}
	}
	var prev *Receipt
	for i, r := range chain {
		if err := CheckLink(prev, r); err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
		prev = r
	}
	if got := iss.Last("ls_a"); got.Seq != prev.Seq || got.Hash() != prev.Hash() {
		t.Fatalf("Last() seq %d, want %d", got.Seq, prev.Seq)
	}
}

func TestIssuerResume(t *testing.T) {
	_, key := newKey(t)
	now, _ := fixedClock(time.Unix(1780000000, 0))
	first := NewIssuer(key, "nd_test", now)
	head, _ := first.Issue("ls_a", meter.Totals{Up: 100, Down: 200})
	// A restarted node resumes the chain from its stored head; its meter
	// restarted at zero and must not make the chain go backwards.
	again := NewIssuer(key, "nd_test", now)
	again.Resume(head)
	again.Resume(&Receipt{LeaseID: "ls_a", NodeID: "nd_other", Seq: head.Seq + 9})
	next, ok := again.Issue("ls_a", meter.Totals{Up: 150})
	if !ok {
		t.Fatal("Issue after Resume issued nothing")
	}
	if err := CheckLink(head, next); err != nil {
		t.Fatalf("CheckLink(head, next) = %v", err)
	}
	if next.Up != 150 || next.Down != 200 {
		t.Fatalf("got up %d down %d, want 150 and 200", next.Up, next.Down)
	}
}

func TestCheckLink(t *testing.T) {
	_, key := newKey(t)
	iss := NewIssuer(key, "nd_test", nil)
	a, _ := iss.Issue("ls_a", meter.Totals{Up: 1})
	b, _ := iss.Issue("ls_a", meter.Totals{Up: 2})
	c, _ := iss.Issue("ls_a", meter.Totals{Up: 3})
	tests := []struct {
		name       string
		prev, next *Receipt
		want       error
	}{
		{"first", nil, a, nil},
		{"next", a, b, nil},
		{"skips one", a, c, ErrBrokenChain},
		{"not first", nil, b, ErrBrokenChain},
		{"backwards", b, a, ErrReplay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckLink(tt.prev, tt.next); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("CheckLink() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestHashIgnoresCountersignature(t *testing.T) {
	_, nodeKey := newKey(t)
	_, buyerKey := newKey(t)
	r := sample()
	r.Sign(nodeKey)
	before := r.Hash()
	r.Countersign(buyerKey)
	if r.Hash() != before {
		t.Fatal("countersigning changed the chain hash")
	}
	r.Up++
	if r.Hash() == before {
		t.Fatal("changing Up left the chain hash unchanged")
	}
}
