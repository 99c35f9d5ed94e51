package egress

import "time"

// SetClock replaces the clock that ages the host address list. Call it
// before the policy is shared between goroutines.
func (p *Policy) SetClock(now func() time.Time) { p.host.now = now }

// CheckRemote exposes the dialer hook's check of a socket address for a
// dial asked for name ("" for a literal address).
func (p *Policy) CheckRemote(name, address string) error { return p.checkRemote(name, address) }
