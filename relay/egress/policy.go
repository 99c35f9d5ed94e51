package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"go.uber.org/zap"
)

// Resolver looks up the addresses of a name. *net.Resolver satisfies it.
// Resolve passes rooted names (with a trailing dot) so that no search
// domain of the seller's machine is appended.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// defaultDialTimeout bounds one connection attempt when Config.Dialer is nil.
const defaultDialTimeout = 10 * time.Second

// Config is the owner's part of a Policy. The zero value is the built-in
// policy with no exceptions: every refused range closed, ports 25, 465
// and 587 closed, every other port open.
type Config struct {
	// Allow rules are checked first. An address rule (a prefix) permits
	// what it covers even if a built-in or Deny rule refuses it. A name
	// rule permits what it covers against Deny rules only: the addresses
	// the name resolves to are still judged by the built-in rules. A
	// "*:port" rule reopens a closed port on destinations that are
	// otherwise permitted. A rule without a port never opens a closed
	// port; name the port or a range to open one. "*" without a port is
	// rejected: it would open nothing.
	Allow []Rule
	// Deny rules are refused on top of the built-ins: address rules
	// (including the IPv4 addresses embedded in IPv6 forms), name rules
	// (before any lookup), "*:port" rules, which close ports like
	// DeniedPorts, and "*", which refuses everything no Allow rule covers.
	Deny []Rule
	// DeniedPorts are closed on every address. nil means 25, 465 and 587;
	// an empty non-nil slice closes none.
	DeniedPorts []uint16
	// WebOnly closes every port but 80 and 443 (HTTP, HTTPS and HTTP/3);
	// DeniedPorts and Allow rules still apply on top.
	WebOnly bool
	// Resolver looks up names; nil means net.DefaultResolver.
	Resolver Resolver
	// HostAddrs lists the machine's own addresses, which are refused
	// together with the /64 of each global IPv6 one; nil means the
	// interface addresses. It is called at most every 30s.
	HostAddrs func() ([]netip.Addr, error)
	// Dialer opens connections; nil means a net.Dialer with a 10s timeout.
	// Its Control hooks still run, after the policy's own.
	Dialer *net.Dialer
}

// Policy decides which destinations an exit may reach and dials them. It
// is safe for concurrent use.
type Policy struct {
	allow, deny []Rule // as configured, for Summary and warnings
	allowAddr   []Rule // Allow rules with a prefix
	allowName   []Rule // Allow rules with a domain
	denyAddr    []Rule // Deny rules with a prefix
	denyName    []Rule // Deny rules with a domain
	denyAll     bool   // a Deny rule "*" without a port
	closed      *portSet
	webOnly     bool
	resolver    Resolver
	dialer      net.Dialer
	host        *hostAddrs
	log         *zap.Logger
}

// New builds a Policy. It fails if a rule is malformed or the machine's
// own addresses cannot be listed.
func New(cfg Config, log *zap.Logger) (*Policy, error) {
	if log == nil {
		log = zap.NewNop()
	}
	p := &Policy{log: log.Named("egress"), resolver: cfg.Resolver}
	if err := p.setRules(cfg); err != nil {
		return nil, err
	}
	if p.resolver == nil {
		p.resolver = net.DefaultResolver
	}
	p.dialer = net.Dialer{Timeout: defaultDialTimeout}
	if cfg.Dialer != nil {
		p.dialer = *cfg.Dialer
	}
	p.dialer.ControlContext = p.controlHook(p.dialer.Control, p.dialer.ControlContext)
	p.dialer.Control = nil
	host, err := newHostAddrs(cfg.HostAddrs, p.log)
	if err != nil {
		return nil, err
	}
	p.host = host
	p.warnBroadAllows()
	if ce := p.log.Check(zap.InfoLevel, "egress policy ready"); ce != nil {
		ce.Write(zap.String("summary", p.Summary()))
	}
	return p, nil
}

func (p *Policy) setRules(cfg Config) error {
	for i, rule := range cfg.Allow {
		err := validateRule(rule)
		if err == nil && rule.AnyHost && rule.Port == 0 {
			err = errors.New("* without a port opens nothing; name a port or range")
		}
		if err != nil {
			return fmt.Errorf("egress: allow rule %d: %w: %w", i, ErrInvalidRule, err)
		}
	}
	for i, rule := range cfg.Deny {
		if err := validateRule(rule); err != nil {
			return fmt.Errorf("egress: deny rule %d: %w: %w", i, ErrInvalidRule, err)
		}
	}
	p.allow, p.deny = slices.Clone(cfg.Allow), slices.Clone(cfg.Deny)
	for _, r := range p.allow {
		switch {
		case r.Prefix.IsValid():
			p.allowAddr = append(p.allowAddr, r)
		case r.Domain != "":
			p.allowName = append(p.allowName, r)
		}
	}
	for _, r := range p.deny {
		switch {
		case r.Prefix.IsValid():
			p.denyAddr = append(p.denyAddr, r)
		case r.Domain != "":
			p.denyName = append(p.denyName, r)
		case r.Port == 0:
			p.denyAll = true
		}
	}
	p.closed, p.webOnly = closedPorts(cfg), cfg.WebOnly
	return nil
}

// warnBroadAllows logs Allow rules that open a cloud metadata address:
// almost always a prefix written wider than meant.
func (p *Policy) warnBroadAllows() {
	for _, rule := range p.allowAddr {
		for _, m := range metadataRules {
			if rule.Prefix.Contains(m.prefix.Addr()) {
				p.log.Warn("allow rule opens a cloud metadata address",
					zap.Stringer("rule", rule), zap.Stringer("metadata", m.prefix.Addr()))
				break
			}
		}
	}
}
