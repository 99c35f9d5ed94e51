package reach

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"go.uber.org/zap"
)

// evidence is what one check found, before any verdict.
type evidence struct {
	addrs    []IfaceAddr
	addrsErr error

	stunTried bool
	mapped    netip.AddrPort
	stunErr   error

	pmpTried bool
	gateway  netip.AddrPort
	external netip.Addr
	pmpErr   error
	mapping  *Mapping
	mapErr   error
	pcpErr   error // why PCP did not map, before NAT-PMP was tried
	pmpLost  error // why NAT-PMP did not map, when UPnP did
	upnpErr  error // why UPnP did not map, when it was tried

	natTried bool
	nat      Behavior
	natErr   error
}

// Check gathers the evidence now (STUN and NAT-PMP at the same time),
// stores the report as the latest and returns it. It takes at most about
// twice Timeout.
func (c *Checker) Check(ctx context.Context) Report {
	var ev evidence
	all, err := c.cfg.Addrs()
	ev.addrs, ev.addrsErr = filterAddrs(all, c.cfg.Interfaces), err
	var wg sync.WaitGroup
	if c.cfg.STUNServer != "" {
		ev.stunTried = true
		wg.Go(func() { ev.mapped, ev.stunErr = stunBinding(ctx, c.cfg.STUNServer, c.cfg.Timeout) })
	}
	if c.cfg.STUNServer != "" && c.cfg.STUNAltServer != "" {
		ev.natTried = true
		wg.Go(func() { ev.nat, ev.natErr = natBehavior(ctx, c.cfg.STUNServer, c.cfg.STUNAltServer, c.cfg.Timeout) })
	}
	if !c.cfg.DisablePortMapping {
		ev.pmpTried = true
		wg.Go(func() { c.portMapping(ctx, &ev) })
	}
	wg.Wait()
	r := verdict(ev)
	r.At = c.cfg.Now()
	c.mu.Lock()
	c.latest, c.mapping = r, ev.mapping
	c.mu.Unlock()
	c.log.Info("reachability checked", zap.String("code", string(r.Code)), zap.Int("reasons", len(r.Reasons)))
	return r
}

// portMapping asks the gateway for its public address and, when MapPort
// is set, for a mapping of that port, renewing the one held.
func (c *Checker) portMapping(ctx context.Context, ev *evidence) {
	gw, err := c.gateway()
	if err != nil {
		ev.pmpErr = err
		return
	}
	ev.gateway = gw
	if c.cfg.MapPort != 0 && c.pcpMapping(ctx, ev, gw) {
		return
	}
	c.natpmpMapping(ctx, ev, gw)
	if c.cfg.MapPort != 0 && ev.mapping == nil {
		c.upnpMapping(ctx, ev)
	}
}

// natpmpMapping asks the gateway over NAT-PMP for its public address and
// a mapping of MapPort, renewing the one held.
func (c *Checker) natpmpMapping(ctx context.Context, ev *evidence, gw netip.AddrPort) {
	if ev.external, ev.pmpErr = externalAddress(ctx, gw, c.cfg.Timeout); ev.pmpErr != nil || c.cfg.MapPort == 0 {
		return
	}
	suggested := c.cfg.MapPort
	if held := c.heldMapping(); held != nil && held.Gateway == gw && held.Protocol == "nat-pmp" {
		suggested = held.ExternalPort // keep the port buyers already know
	}
	reply, err := mapUDP(ctx, gw, c.cfg.MapPort, suggested, c.cfg.MapLifetime, c.cfg.Timeout)
	if err != nil {
		ev.mapErr = err
		return
	}
	ev.mapping = &Mapping{
		InternalPort: reply.InternalPort, ExternalPort: reply.ExternalPort,
		Lifetime: reply.Lifetime, Gateway: gw, Protocol: "nat-pmp",
	}
}

// pcpMapping asks the gateway for the exit's mapping over PCP, renewing
// one held, and reports whether it got one; otherwise NAT-PMP is next.
func (c *Checker) pcpMapping(ctx context.Context, ev *evidence, gw netip.AddrPort) bool {
	nonce, suggested := newNonce(), c.cfg.MapPort
	if held := c.heldMapping(); held != nil && held.Gateway == gw && held.Protocol == "pcp" {
		nonce, suggested = held.nonce, held.ExternalPort
	}
	reply, err := pcpMap(ctx, gw, nonce, c.cfg.MapPort, suggested, c.cfg.MapLifetime, min(c.cfg.Timeout, time.Second))
	if err != nil {
		ev.pcpErr = err
		return false
	}
	ev.external = reply.External
	ev.mapping = &Mapping{InternalPort: reply.InternalPort, ExternalPort: reply.ExternalPort,
		Lifetime: reply.Lifetime, Gateway: gw, Protocol: "pcp", nonce: nonce}
	return true
}

func (c *Checker) heldMapping() *Mapping {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mapping
}
