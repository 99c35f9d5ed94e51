package demo

import (
	"context"
	"fmt"
)

// AgentInfo describes one running demo agent.
type AgentInfo struct {
	NodeID   string `json:"node_id"`
	Operator string `json:"operator"`
	Region   string `json:"region"`
	ExitAddr string `json:"exit_addr"`
}

// Info is everything a person needs to use a running demo market by hand.
type Info struct {
	BrokerURL     string      `json:"broker_url"`
	AdminKey      string      `json:"admin_key"`
	BuyerKey      string      `json:"buyer_key"`
	OperatorKey   string      `json:"operator_key"`
	LeaseID       string      `json:"lease_id"`
	GatewaySOCKS5 string      `json:"gateway_socks5"`
	GatewayHTTP   string      `json:"gateway_http"`
	OriginURL     string      `json:"origin_url"`
	DataDir       string      `json:"data_dir"`
	Agents        []AgentInfo `json:"agents"`
}

// Info returns the addresses and keys of the running market.
func (m *Market) Info() Info {
	info := Info{
		BrokerURL:     m.brokerURL,
		AdminKey:      m.adminKey,
		BuyerKey:      m.buyerKey,
		LeaseID:       m.lease.ID,
		GatewaySOCKS5: "socks5h://" + m.socksAddr.String(),
		GatewayHTTP:   "http://" + m.httpAddr.String(),
		OriginURL:     m.origin.URL(),
		DataDir:       m.cfg.DataDir,
	}
	if len(m.operators) > 0 {
		info.OperatorKey = m.operators[0].key
	}
	for _, a := range m.agents {
		info.Agents = append(info.Agents, AgentInfo{
			NodeID: a.agent.NodeID(), Operator: a.site.Operator,
			Region:   fmt.Sprintf("%s, %s (%s)", a.site.Region.City, a.site.Region.Country, a.site.Region.Subdivision),
			ExitAddr: a.agent.ExitAddr(),
		})
	}
	return info
}

// Run is the whole demo: start the market, send traffic, settle, close the
// lease and return the statement.
func Run(ctx context.Context, m *Market) (Statement, error) {
	if _, err := m.RunTraffic(ctx); err != nil {
		return Statement{}, err
	}
	if err := m.Settle(ctx, true); err != nil {
		return Statement{}, err
	}
	return m.Statement(ctx)
}
