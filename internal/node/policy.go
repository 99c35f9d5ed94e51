package node

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/relay/egress"
)

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
