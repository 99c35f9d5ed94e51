package capacity

import "time"

// estimate turns one interval's rates into a Snapshot. The caller holds mu.
func (s *Sampler) estimate(totalUp, totalDown, relayUp, relayDown int64, at time.Time) Snapshot {
	houseUp := max(totalUp-relayUp, 0)
	houseDown := max(totalDown-relayDown, 0)
	s.peakUp = max(s.peakUp, totalUp)
	s.peakDown = max(s.peakDown, totalDown)
	linkUp := link(s.cfg.LinkUpBps, s.peakUp)
	linkDown := link(s.cfg.LinkDownBps, s.peakDown)
	free := min(linkUp-houseUp, linkDown-houseDown)
	spare := max(free-free*s.cfg.HeadroomPct/100, 0)
	if s.cfg.OwnerCapBps > 0 {
		spare = min(spare, s.cfg.OwnerCapBps)
	}
	return Snapshot{
		HouseholdUpBps: houseUp, HouseholdDownBps: houseDown,
		RelayUpBps: relayUp, RelayDownBps: relayDown,
		LinkUpBps: linkUp, LinkDownBps: linkDown,
		SpareBps: spare,
		At:       at,
	}
}

// link is the configured capacity, or the observed peak, never below
// MinLinkBps.
func link(configured, peak int64) int64 {
	if configured > 0 {
		return configured
	}
	return max(peak, MinLinkBps)
}

// RecordProbe raises the learned link capacity to what an active probe
// (agent/probe) measured, in bytes per second per direction; zero leaves a
// direction alone. Interface counters only see a link's capacity when
// something happened to fill it, so a probe is how a quiet line learns
// its size. Configured capacities (LinkUpBps, LinkDownBps) still win.
func (s *Sampler) RecordProbe(upBps, downBps int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peakUp = max(s.peakUp, upBps)
	s.peakDown = max(s.peakDown, downBps)
	r := s.snap
	s.snap = s.estimate(r.HouseholdUpBps+r.RelayUpBps, r.HouseholdDownBps+r.RelayDownBps, r.RelayUpBps, r.RelayDownBps, r.At)
}
