package egress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
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

// defaultDeniedPorts are SMTP submission and relay ports: mail sent from a
// seller's home address would ruin its reputation.
var defaultDeniedPorts = []uint16{25, 465, 587}

// defaultDialTimeout bounds one connection attempt when Config.Dialer is nil.
const defaultDialTimeout = 10 * time.Second

// Config is the owner's part of a Policy. The zero value is the built-in
// policy with no exceptions.
type Config struct {
	// Allow rules are checked first: a destination one of them covers is
	// permitted even if a built-in or Deny rule refuses it. A rule with
	// Port 0 does not open DeniedPorts; name the port to open one.
	Allow []Rule
	// Deny rules are refused on top of the built-ins.
	Deny []Rule
	// DeniedPorts are closed on every address. nil means 25, 465 and 587;
	// an empty non-nil slice closes none.
	DeniedPorts []uint16
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
	allow, deny []Rule
	deniedPorts []uint16 // sorted
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
	p.log.Info("egress policy ready", zap.String("summary", p.Summary()))
	return p, nil
}

func (p *Policy) setRules(cfg Config) error {
	for i, rule := range cfg.Allow {
		if err := validateRule(rule); err != nil {
			return fmt.Errorf("egress: allow rule %d: %w: %w", i, ErrInvalidRule, err)
		}
	}
	for i, rule := range cfg.Deny {
		if err := validateRule(rule); err != nil {
			return fmt.Errorf("egress: deny rule %d: %w: %w", i, ErrInvalidRule, err)
		}
	}
	p.allow = slices.Clone(cfg.Allow)
	p.deny = slices.Clone(cfg.Deny)
	ports := cfg.DeniedPorts
	if ports == nil {
		ports = defaultDeniedPorts
	}
	p.deniedPorts = slices.Compact(slices.Sorted(slices.Values(ports)))
	p.deniedPorts = slices.DeleteFunc(p.deniedPorts, func(port uint16) bool { return port == 0 })
	return nil
}

// warnBroadAllows logs Allow rules that open a cloud metadata address:
// almost always a prefix written wider than meant.
func (p *Policy) warnBroadAllows() {
	for _, rule := range p.allow {
		for _, m := range metadataRules {
			if rule.Prefix.Contains(m.prefix.Addr()) {
				p.log.Warn("allow rule opens a cloud metadata address",
					zap.Stringer("rule", rule), zap.Stringer("metadata", m.prefix.Addr()))
				break
			}
		}
	}
}

// Summary describes the policy in one line for node listings.
func (p *Policy) Summary() string {
	var b strings.Builder
	b.WriteString("deny: ")
	for i, reason := range builtinReasons {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(reason))
	}
	if len(p.deniedPorts) == 0 {
		b.WriteString("; no ports closed")
	} else {
		ports := make([]string, len(p.deniedPorts))
		for i, port := range p.deniedPorts {
			ports[i] = strconv.Itoa(int(port))
		}
		fmt.Fprintf(&b, "; ports %s closed", strings.Join(ports, ","))
	}
	fmt.Fprintf(&b, "; %s, %s", plural(len(p.allow), "allow rule"), plural(len(p.deny), "deny rule"))
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
