package egress

import (
	"strconv"
	"strings"
)

// defaultDeniedPorts are SMTP relay (25), SMTP over TLS (465) and mail
// submission (587): mail sent from a seller's home address would ruin its
// reputation, and providers block or blacklist it.
var defaultDeniedPorts = []uint16{25, 465, 587}

// webPorts are the only ports open in web-only mode: HTTP and HTTPS
// (TCP), and HTTP/3 (UDP 443).
var webPorts = []uint16{80, 443}

// portSet holds one bit per port, so that a lookup on the dial path is
// one shift whatever the number of rules and ranges behind it.
type portSet [65536 / 64]uint64

func (s *portSet) has(p uint16) bool { return s[p/64]&(1<<(p%64)) != 0 }

// setRange turns the ports lo to hi (inclusive) on or off.
func (s *portSet) setRange(lo, hi uint16, on bool) {
	for p := uint32(lo); p <= uint32(hi); p++ {
		if on {
			s[p/64] |= 1 << (p % 64)
		} else {
			s[p/64] &^= 1 << (p % 64)
		}
	}
}

// closedPorts computes the ports closed to every destination that no
// Allow rule naming the port covers: web-only mode closes all but 80 and
// 443; DeniedPorts (25, 465, 587 by default) and "*:port" Deny rules close
// more; "*:port" Allow rules open them again. Port 0 is refused
// separately and is never in the set.
func closedPorts(cfg Config) *portSet {
	s := new(portSet)
	if cfg.WebOnly {
		s.setRange(1, 65535, true)
		for _, p := range webPorts {
			s.setRange(p, p, false)
		}
	}
	ports := cfg.DeniedPorts
	if ports == nil {
		ports = defaultDeniedPorts
	}
	for _, p := range ports {
		s.setRange(p, p, true)
	}
	for _, r := range cfg.Deny {
		if r.AnyHost && r.Port != 0 {
			s.setRange(r.Port, r.lastPort(), true)
		}
	}
	for _, r := range cfg.Allow {
		if r.AnyHost && r.Port != 0 {
			s.setRange(r.Port, r.lastPort(), false)
		}
	}
	s.setRange(0, 0, false)
	return s
}

// describe lists the ports whose bit equals on, as "25,465,587" or
// "1-79,81-442", and how many there are.
func (s *portSet) describe(on bool) (string, int) {
	var (
		b     strings.Builder
		count int
	)
	for p := uint32(1); p <= 65535; p++ {
		if s.has(uint16(p)) != on {
			continue
		}
		end := p
		for end < 65535 && s.has(uint16(end+1)) == on {
			end++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(p)))
		if end > p {
			b.WriteString("-" + strconv.Itoa(int(end)))
		}
		count += int(end - p + 1)
		p = end
	}
	return b.String(), count
}
