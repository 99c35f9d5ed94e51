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
	key, created, err := identity.LoadOrCreate(filepath.Join(dataDir, KeyFile))
	if err != nil {
		return identity.Key{}, nil, err
	}
	if created {
		log.Info("created node identity", zap.String("node", key.NodeID()))
	}
	policy, err := NewPolicy(allow, deny, log.Named("egress"))
	if err != nil {
		return identity.Key{}, nil, err
	}
	return key, policy, nil
}

// NewPolicy builds the egress policy from an owner's allow and deny
// additions in relay/egress rule syntax ("203.0.113.7:443",
// "198.51.100.0/24").
func NewPolicy(allow, deny []string, log *zap.Logger) (*egress.Policy, error) {
	var pc egress.Config
	for _, s := range allow {
		r, err := egress.ParseRule(s)
		if err != nil {
			return nil, fmt.Errorf("egress allow rule %q: %w", s, err)
		}
		pc.Allow = append(pc.Allow, r)
	}
	for _, s := range deny {
		r, err := egress.ParseRule(s)
		if err != nil {
			return nil, fmt.Errorf("egress deny rule %q: %w", s, err)
		}
		pc.Deny = append(pc.Deny, r)
	}
	return egress.New(pc, log)
}
