package reach

import (
	"context"
	"net"
	"net/netip"
)

// upnpMapping maps MapPort over UPnP, after PCP and NAT-PMP mapped
// nothing. On success the NAT-PMP failure becomes context, not evidence.
func (c *Checker) upnpMapping(ctx context.Context, ev *evidence) {
	g, err := discoverIGD(ctx, c.cfg.SSDPAddr, c.cfg.Timeout)
	if err != nil {
		ev.upnpErr = err
		return
	}
	host, err := netip.ParseAddrPort(g.control.Host)
	if err != nil {
		ua, rerr := net.ResolveUDPAddr("udp", g.control.Host)
		if rerr != nil {
			ev.upnpErr = rerr
			return
		}
		host = ua.AddrPort()
	}
	client, err := localAddrTowards(host)
	if err == nil {
		ev.external, err = g.externalIP(ctx)
	}
	external := c.cfg.MapPort
	if held := c.heldMapping(); held != nil && held.Protocol == "upnp" {
		external = held.ExternalPort
	}
	if err == nil {
		err = g.mapUDP(ctx, external, c.cfg.MapPort, client, c.cfg.MapLifetime)
	}
	if err != nil {
		ev.upnpErr = err
		return
	}
	ev.pmpLost, ev.pmpErr, ev.mapErr = firstErr(ev.pmpErr, ev.mapErr), nil, nil
	ev.pmpTried = true
	ev.mapping = &Mapping{InternalPort: c.cfg.MapPort, ExternalPort: external, Lifetime: c.cfg.MapLifetime,
		Gateway: host, Protocol: "upnp", igd: g}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
