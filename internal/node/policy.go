package node

import (
	"fmt"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/egress"
)

// KeyFile is the node key's file name inside a node's data directory.
const KeyFile = "node.key"

// Prepare loads (or, on first start, creates) the node key in dataDir and
// builds the egress policy from the owner's additions: what agents and
// relays do before Start.
func Prepare(dataDir string, allow, deny []string, log *zap.Logger) (identity.Key, *egress.Policy, error) {
	key, err := LoadKey(dataDir, log)
	if err != nil {
		return identity.Key{}, nil, err
	}
	policy, err := NewPolicy(allow, deny, log.Named("egress"))
	if err != nil {
		return identity.Key{}, nil, err
	}
	return key, policy, nil
}

// LoadKey loads, or on first start creates, the node key in dataDir.
func LoadKey(dataDir string, log *zap.Logger) (identity.Key, error) {
	key, created, err := identity.LoadOrCreate(filepath.Join(dataDir, KeyFile))
	if err != nil {
		return identity.Key{}, err
	}
	if created {
		log.Info("created node identity", zap.String("node", key.NodeID()))
	}
	return key, nil
}

// NewPolicy builds the egress policy from an owner's allow and deny
// additions in relay/egress rule syntax ("203.0.113.7:443",
// "198.51.100.0/24").
func NewPolicy(allow, deny []string, log *zap.Logger) (*egress.Policy, error) {
	return Rules{Allow: allow, Deny: deny}.Policy(log)
}

// Rules are an owner's additions to the built-in egress policy.
type Rules struct {
	// Allow and Deny are rules in relay/egress syntax.
	Allow, Deny []string
	// WebOnly lets buyers reach ports 80 and 443 only.
	WebOnly bool
}

// Policy builds the egress policy the rules describe.
func (r Rules) Policy(log *zap.Logger) (*egress.Policy, error) {
	pc := egress.Config{WebOnly: r.WebOnly}
	for _, s := range r.Allow {
		rule, err := egress.ParseRule(s)
		if err != nil {
			return nil, fmt.Errorf("egress allow rule %q: %w", s, err)
		}
		pc.Allow = append(pc.Allow, rule)
	}
	for _, s := range r.Deny {
		rule, err := egress.ParseRule(s)
		if err != nil {
			return nil, fmt.Errorf("egress deny rule %q: %w", s, err)
		}
		pc.Deny = append(pc.Deny, rule)
	}
	return egress.New(pc, log)
}
