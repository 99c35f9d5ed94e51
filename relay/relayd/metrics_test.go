package relayd_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/relayd"
)

// scrape fetches the relay's metrics text.
func scrape(t *testing.T, m *relayd.Metrics) string {
	t.Helper()
	rsp, err := http.Get("http://" + m.Addr().String() + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer rsp.Body.Close()
	body, err := io.ReadAll(rsp.Body)
	if err != nil || rsp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: got %d, %v", rsp.StatusCode, err)
	}
	return string(body)
}

func TestMetrics(t *testing.T) {
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 64<<10)
	n := startRelay(t, relayConfig(m, key, t.TempDir(), o.Addr()))
	metrics, err := relayd.ServeMetrics("127.0.0.1:0", n, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("ServeMetrics: %v", err)
	}
	t.Cleanup(func() { metrics.Close() })

	l := buyLease(t, m.Buyer(), "PT")
	exchange(t, exitDialer(t, l), o, 100_000)
	want := meter.Totals{Up: 100_000, Down: 64 << 10}
	waitTotals(t, n.Meter(), l.ID, want)

	body := scrape(t, metrics)
	for _, line := range []string{
		fmt.Sprintf(`sparelink_relay_payload_bytes_total{direction="up"} %d`, want.Up),
		fmt.Sprintf(`sparelink_relay_payload_bytes_total{direction="down"} %d`, want.Down),
		"sparelink_relay_leases 1",
		"sparelink_relay_active_tunnels ",
	} {
		if !strings.Contains(body, line) {
			t.Errorf("metrics lack %q", line)
		}
	}
	if strings.Contains(body, l.ID) || strings.Contains(body, "127.0.0.1") {
		t.Errorf("metrics name a lease or an address:\n%s", body)
	}
	if err := metrics.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := metrics.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := http.Get("http://" + metrics.Addr().String() + "/metrics"); err == nil {
		t.Errorf("scrape after Close succeeded, want an error")
	}
}
