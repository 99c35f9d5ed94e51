package node_test

import (
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/nodetest"
	"github.com/sparelink/sparelink/metering/meter"
)

// market is the shared node-test broker; operator differs from the shared
// one in retrying briefly, since the SDK never retries receipt uploads.
type market struct{ *nodetest.Market }

type origin = nodetest.Origin

func newMarket(t *testing.T) *market { return &market{nodetest.NewMarket(t)} }

// operator returns a client authenticated as a new operator.
func (m *market) operator() *client.Client {
	key, _ := m.Operator()
	return client.New(m.URL, key, client.WithRetry(2, 10*time.Millisecond))
}

func newOrigin(t *testing.T, down int) *origin { return nodetest.NewOrigin(t, down) }
func payload(n int) []byte                     { return nodetest.Payload(n) }

func buyLease(t *testing.T, buyer *client.Client, country string) *api.Lease {
	return nodetest.BuyLease(t, buyer, country)
}

func exitDialer(t *testing.T, l *api.Lease) *exitdial.Dialer { return nodetest.ExitDialer(t, l) }

func exchange(t *testing.T, d *exitdial.Dialer, o *origin, up int) { nodetest.Exchange(t, d, o, up) }

func waitTotals(t *testing.T, m *meter.Meter, id string, want meter.Totals) {
	nodetest.WaitTotals(t, m, id, want)
}

func waitFor(t *testing.T, what string, cond func() bool) { nodetest.WaitFor(t, what, cond) }
