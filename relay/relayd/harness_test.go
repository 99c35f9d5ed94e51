package relayd_test

import (
	"testing"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/nodetest"
	"github.com/sparelink/sparelink/metering/meter"
)

// The shared node-test harness, under this package's short names.
type (
	market = nodetest.Market
	origin = nodetest.Origin
)

func newMarket(t *testing.T) *market           { return nodetest.NewMarket(t) }
func newOrigin(t *testing.T, down int) *origin { return nodetest.NewOrigin(t, down) }

func buyLease(t *testing.T, buyer *client.Client, country string) *api.Lease {
	return nodetest.BuyLease(t, buyer, country)
}

func exitDialer(t *testing.T, l *api.Lease) *exitdial.Dialer { return nodetest.ExitDialer(t, l) }

func exchange(t *testing.T, d *exitdial.Dialer, o *origin, up int) { nodetest.Exchange(t, d, o, up) }

func waitTotals(t *testing.T, m *meter.Meter, id string, want meter.Totals) {
	nodetest.WaitTotals(t, m, id, want)
}

func waitFor(t *testing.T, what string, cond func() bool) { nodetest.WaitFor(t, what, cond) }
