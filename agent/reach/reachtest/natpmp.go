package reachtest

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// NATPMPConfig chooses what the gateway answers.
type NATPMPConfig struct {
	// External is the router's public address.
	External netip.Addr
	// Result, when not zero, is the result code of every answer: 2 plays
	// a router whose owner switched mapping off.
	Result uint16
	// PortOffset is added to the suggested port to choose the mapped
	// external port, as a router whose suggested port is taken would.
	PortOffset uint16
	// Silent drops every request, as a router without NAT-PMP does.
	Silent bool
	// PCP makes the gateway speak PCP (RFC 6887) too, answering MAP
	// requests with PCPResult (zero: success).
	PCP       bool
	PCPResult byte
}

// NATPMPServer is a NAT-PMP gateway on loopback that keeps the UDP
// mappings it grants.
type NATPMPServer struct {
	*server
	start time.Time

	mu       sync.Mutex
	mappings map[uint16]Mapping // by internal port
}

// Mapping is one granted mapping.
type Mapping struct {
	ExternalPort uint16
	Lifetime     time.Duration
}

// NewNATPMPServer starts a gateway that stops when the test ends.
func NewNATPMPServer(tb testing.TB, cfg NATPMPConfig) *NATPMPServer {
	tb.Helper()
	g := &NATPMPServer{start: time.Now(), mappings: map[uint16]Mapping{}}
	g.server = listen(tb, func(req []byte, _ netip.AddrPort) []byte {
		switch {
		case cfg.Silent || len(req) < 2:
			return nil
		case req[0] == 2 && cfg.PCP:
			return g.pcpMap(cfg, req)
		case req[0] != 0: // PCP or later: RFC 6886 section 3.5
			return g.header(req[1]&127, 1, 8)
		}
		return g.answer(cfg, req)
	})
	return g
}

// Mappings returns the mappings in place, by internal port.
func (g *NATPMPServer) Mappings() map[uint16]Mapping {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[uint16]Mapping, len(g.mappings))
	for k, v := range g.mappings {
		out[k] = v
	}
	return out
}

func (g *NATPMPServer) answer(cfg NATPMPConfig, req []byte) []byte {
	switch {
	case req[1] == 0:
		out := g.header(0, cfg.Result, 12)
		ext := cfg.External.As4()
		copy(out[8:12], ext[:])
		return out
	case req[1] == 1 && len(req) >= 12:
		return g.mapUDP(cfg, req)
	}
	return nil
}

func (g *NATPMPServer) mapUDP(cfg NATPMPConfig, req []byte) []byte {
	internal := binary.BigEndian.Uint16(req[4:6])
	suggested := binary.BigEndian.Uint16(req[6:8])
	lifetime := binary.BigEndian.Uint32(req[8:12])
	out := g.header(1, cfg.Result, 16)
	binary.BigEndian.PutUint16(out[8:10], internal)
	if cfg.Result != 0 {
		return out
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if lifetime == 0 {
		delete(g.mappings, internal)
		return out
	}
	ext := suggested + cfg.PortOffset
	if suggested == 0 {
		ext = internal + cfg.PortOffset
	}
	if held, ok := g.mappings[internal]; ok {
		ext = held.ExternalPort // a renewal keeps the port
	}
	m := Mapping{ExternalPort: ext, Lifetime: time.Duration(lifetime) * time.Second}
	g.mappings[internal] = m
	binary.BigEndian.PutUint16(out[10:12], m.ExternalPort)
	binary.BigEndian.PutUint32(out[12:16], lifetime)
	return out
}

// header starts a reply to op of n bytes.
func (g *NATPMPServer) header(op byte, result uint16, n int) []byte {
	out := make([]byte, n)
	out[1] = 128 + op
	binary.BigEndian.PutUint16(out[2:4], result)
	binary.BigEndian.PutUint32(out[4:8], uint32(time.Since(g.start)/time.Second))
	return out
}
