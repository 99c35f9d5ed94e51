package reach

import (
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Config sets up a Checker. The zero value inspects every interface,
// skips STUN, asks the default gateway over NAT-PMP for its public address
// without mapping a port, and rechecks daily and on address changes.
type Config struct {
	// Interfaces facing the internet; empty means all that are up, but
	// loopback.
	Interfaces []string
	// STUNServer is "host:port" of a STUN server; empty skips STUN, and
	// with it the UDP check.
	STUNServer string
	// STUNAltServer is the same server's second address (the broker's
	// --stun-alt-listen); with it the checker also tells the NAT's
	// mapping and filtering behaviour apart.
	STUNAltServer string
	// Gateway is the NAT-PMP server, "ip" or "ip:port"; empty means the
	// default route's gateway (from RouteFile) on port 5351.
	Gateway string
	// DisablePortMapping skips PCP, NAT-PMP and UPnP entirely.
	DisablePortMapping bool
	// SSDPAddr is where UPnP searches for the router when PCP and
	// NAT-PMP map nothing; empty means SSDPAddr (multicast).
	SSDPAddr string
	// MapPort is the exit's UDP port to map on the router; zero maps
	// nothing. MapLifetime is the mapping's requested lifetime; zero means
	// two hours, as RFC 6886 recommends.
	MapPort     uint16
	MapLifetime time.Duration
	// Timeout bounds each STUN or NAT-PMP exchange; zero means 3 s.
	Timeout time.Duration
	// Recheck is the interval between full checks; zero means 24 h. Poll
	// is how often Run looks for interface address changes; zero means
	// 30 s.
	Recheck, Poll time.Duration
	// Addrs lists interface addresses; nil means the system's.
	Addrs func() ([]IfaceAddr, error)
	// RouteFile is read for the default gateway; empty means
	// DefaultRouteFile.
	RouteFile string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Checker runs reachability checks and keeps the latest report.
type Checker struct {
	cfg Config
	log *zap.Logger

	mu      sync.Mutex
	latest  Report
	mapping *Mapping // held on the router, to renew and to delete
}

// New returns a checker; cfg is checked when used, so that a bad gateway
// shows up as a reason in the report rather than as a startup failure.
func New(cfg Config, log *zap.Logger) *Checker {
	if cfg.MapLifetime <= 0 {
		cfg.MapLifetime = 2 * time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = 24 * time.Hour
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 30 * time.Second
	}
	if cfg.Addrs == nil {
		cfg.Addrs = systemAddrs
	}
	if cfg.SSDPAddr == "" {
		cfg.SSDPAddr = SSDPAddr
	}
	if cfg.RouteFile == "" {
		cfg.RouteFile = DefaultRouteFile
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Checker{cfg: cfg, log: log, latest: Report{Code: Unknown}}
}

// Latest is the most recent report; its code is unknown before the first
// check.
func (c *Checker) Latest() Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest
}

// gateway resolves the NAT-PMP server's address.
func (c *Checker) gateway() (netip.AddrPort, error) {
	if c.cfg.Gateway == "" {
		gw, err := defaultGateway(c.cfg.RouteFile)
		if err != nil {
			return netip.AddrPort{}, err
		}
		return netip.AddrPortFrom(gw, NATPMPPort), nil
	}
	if ap, err := netip.ParseAddrPort(c.cfg.Gateway); err == nil {
		return ap, nil
	}
	a, err := netip.ParseAddr(c.cfg.Gateway)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("gateway %s: want an IP address, optionally with :port", strconv.Quote(c.cfg.Gateway))
	}
	return netip.AddrPortFrom(a, NATPMPPort), nil
}
