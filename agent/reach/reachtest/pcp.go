package reachtest

import (
	"encoding/binary"
	"time"
)

// pcpMap answers a PCP MAP request for UDP (RFC 6887 section 11),
// keeping the mapping as NAT-PMP mappings are kept: by internal port.
func (g *NATPMPServer) pcpMap(cfg NATPMPConfig, req []byte) []byte {
	if len(req) < 60 || req[1] != 1 || req[24+12] != 17 {
		return nil
	}
	lifetime := binary.BigEndian.Uint32(req[4:8])
	internal := binary.BigEndian.Uint16(req[24+16 : 24+18])
	suggested := binary.BigEndian.Uint16(req[24+18 : 24+20])
	out := make([]byte, 60)
	out[0], out[1], out[3] = 2, 1|0x80, cfg.PCPResult
	binary.BigEndian.PutUint32(out[8:12], uint32(time.Since(g.start)/time.Second))
	copy(out[24:], req[24:60])
	if cfg.PCPResult != 0 {
		return out
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if lifetime == 0 {
		delete(g.mappings, internal)
		return out
	}
	ext := suggested + cfg.PortOffset
	if held, ok := g.mappings[internal]; ok {
		ext = held.ExternalPort
	}
	g.mappings[internal] = Mapping{ExternalPort: ext, Lifetime: time.Duration(lifetime) * time.Second}
	binary.BigEndian.PutUint32(out[4:8], lifetime)
	binary.BigEndian.PutUint16(out[24+18:24+20], ext)
	ip := cfg.External.As16()
	copy(out[24+20:60], ip[:])
	return out
}
