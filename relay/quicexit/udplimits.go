package quicexit

import "time"

// admit passes a datagram of n payload bytes through the lease's byte cap
// and then waits for the lease's rate and the node's cap, as a TCP
// tunnel's read does. A datagram is relayed whole or not at all: when the
// rest of the cap cannot hold it, or the flow ends while it waits, admit
// returns false and the flow ends.
func (f *udpFlow) admit(n int) (grant, bool) {
	if !f.reserve(n) {
		return grant{}, false
	}
	g, err := f.e.acquire(f.t.budget, n, f.done, f.ctx.Done())
	if err != nil {
		f.unreserve(n)
		return grant{}, false
	}
	return g, true
}

// settle gives back what admit took for a datagram that was not sent.
func (f *udpFlow) settle(g grant, n int, sent bool) {
	if sent {
		f.e.release(g, n)
		return
	}
	f.e.release(g, 0)
	f.unreserve(n)
}

// reserve takes n bytes from the lease's byte budget.
func (f *udpFlow) reserve(n int) bool {
	if f.t.limit <= 0 {
		return true
	}
	if got := f.t.budget.take(n, f.t.limit); got < n {
		f.t.budget.used.Add(-int64(got))
		f.capped.Store(true)
		return false
	}
	return true
}

// unreserve gives back a reservation.
func (f *udpFlow) unreserve(n int) {
	if f.t.limit > 0 {
		f.t.budget.used.Add(-int64(n))
	}
}

func (f *udpFlow) touch() { f.last.Store(time.Now().UnixNano()) }

func (f *udpFlow) lastTime() time.Time { return time.Unix(0, f.last.Load()) }
