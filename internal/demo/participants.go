package demo

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
)

// Site is one demo seller: an operator and where its agent's traffic
// leaves. ASNs are from the range reserved for documentation.
type Site struct {
	Operator         string
	Region           api.Region
	ASN              int
	PriceMicrosPerGB int64
}

// Sites are the demo's three sellers, in three countries.
var Sites = []Site{
	{"Kiez Fibre", api.Region{Country: "DE", Subdivision: "DE-BE", City: "Berlin"}, 64496, 1_500_000},
	{"Rhône Home Net", api.Region{Country: "FR", Subdivision: "FR-ARA", City: "Lyon"}, 64497, 1_800_000},
	{"Prairie Cable", api.Region{Country: "US", Subdivision: "US-TX", City: "Austin"}, 64498, 2_000_000},
}

// BuyerCreditMicros is what the demo buyer is credited: 10 units.
const BuyerCreditMicros = 10_000_000

func (m *Market) createOperators(ctx context.Context) error {
	for _, s := range Sites {
		acct, key, err := m.newAccount(ctx, api.KindOperator, s.Operator)
		if err != nil {
			return err
		}
		m.operators = append(m.operators, operator{account: acct, key: key, client: client.New(m.brokerURL, key)})
	}
	return nil
}

func (m *Market) newAccount(ctx context.Context, kind, name string) (api.Account, string, error) {
	acct, err := m.admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: name})
	if err != nil {
		return api.Account{}, "", fmt.Errorf("create %s account %q: %w", kind, name, err)
	}
	key, err := m.admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: acct.ID})
	if err != nil {
		return api.Account{}, "", fmt.Errorf("create key for %q: %w", name, err)
	}
	return *acct, key.Key, nil
}

// startAgents starts one agent per site; their Run loops live until the
// market closes.
func (m *Market) startAgents(ctx context.Context) error {
	for i, s := range Sites {
		a, err := agent.Start(ctx, agent.Config{
			DataDir:           filepath.Join(m.cfg.DataDir, fmt.Sprintf("agent-%d", i+1)),
			BrokerURL:         m.brokerURL,
			OperatorKey:       m.operators[i].key,
			Region:            s.Region,
			ASN:               s.ASN,
			PriceMicrosPerGB:  s.PriceMicrosPerGB,
			LinkUpBps:         12_500_000, // 100 Mbit/s
			LinkDownBps:       62_500_000, // 500 Mbit/s
			EgressAllow:       []string{m.origin.Addr()},
			HeartbeatInterval: time.Second,
			ReceiptInterval:   time.Second,
		}, m.log.Named("agent").With(zap.String("site", s.Region.City)))
		if err != nil {
			return fmt.Errorf("agent in %s: %w", s.Region.City, err)
		}
		m.agents = append(m.agents, &runningAgent{site: s, agent: a})
		m.progress("agent %s registered: %s, %s, run by %s, QUIC exit on %s", a.NodeID(), s.Region.City, s.Region.Country, s.Operator, a.ExitAddr())
		m.agentsWG.Add(1)
		go func() {
			defer m.agentsWG.Done()
			_ = a.Run(m.runCtx)
		}()
	}
	return nil
}

func (m *Market) createBuyer(ctx context.Context) error {
	acct, key, err := m.newAccount(ctx, api.KindBuyer, "Demo App Inc.")
	if err != nil {
		return err
	}
	m.buyerKey = key
	m.buyer = client.New(m.brokerURL, key)
	if _, err := m.admin.Credit(ctx, "demo-credit-1", acct.ID, BuyerCreditMicros); err != nil {
		return fmt.Errorf("credit buyer: %w", err)
	}
	m.progress("buyer %q created through the API and credited %s", "Demo App Inc.", Money(BuyerCreditMicros))
	return nil
}

// leaseRequest is what the demo buyer asks for: three exits anywhere, up to
// 256 MiB, for an hour.
// The buyer's gateway countersigns the exits' receipts with receiptKey.
func leaseRequest(receiptKey ed25519.PrivateKey) api.LeaseRequest {
	return api.LeaseRequest{
		Protocols:       []string{api.ProtocolQUIC},
		Exits:           len(Sites),
		MaxBytes:        256 << 20,
		DurationSeconds: 3600,
		BuyerKey:        base64.StdEncoding.EncodeToString(receiptKey.Public().(ed25519.PublicKey)),
	}
}

func (m *Market) buyLease(ctx context.Context) (err error) {
	if m.receiptKey, err = exitdial.NewBuyerKey(); err != nil {
		return err
	}
	q, err := m.buyer.Quote(ctx, leaseRequest(m.receiptKey))
	if err != nil {
		return fmt.Errorf("quote: %w", err)
	}
	m.log.Info("quote", zap.Int("exits", q.AvailableExits), zap.Int64("price_micros_per_gb", q.PriceMicrosPerGB),
		zap.Int64("hold_micros", q.HoldMicros))
	l, err := m.buyer.CreateLease(ctx, "demo-lease-1", leaseRequest(m.receiptKey))
	if err != nil {
		return fmt.Errorf("create lease: %w", err)
	}
	m.lease = *l
	m.progress("lease %s bought: %d exits at %s per GB, %s held", l.ID, len(l.Exits), Money(l.PriceMicrosPerGB), Money(l.HoldMicros))
	return nil
}
