package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sparelink/sparelink/broker/console"
)

// TestModulesInBrowser runs the console's pure functions (formatting,
// parsing, grouping, rates) in Chromium against answers computed here.
func TestModulesInBrowser(t *testing.T) {
	ctx := browser(t)
	srv := httptest.NewServer(console.Handler())
	t.Cleanup(srv.Close)
	do(t, ctx, "load the page", chromedp.Navigate(srv.URL+console.Prefix), chromedp.WaitVisible(chromedp.ID("key")))

	nodes := `[{"region":{"country":"DE"},"status":"online","spare_bps":1000,"price_micros_per_gb":900,"quality":{"latency_micros":30000}},
		{"region":{"country":"DE"},"status":"online","spare_bps":500,"price_micros_per_gb":700,"quality":{"latency_micros":10000}},
		{"region":{"country":"DE"},"status":"offline","spare_bps":9999,"price_micros_per_gb":1,"quality":{}},
		{"region":{"country":"FR"},"status":"offline","spare_bps":100,"price_micros_per_gb":5,"quality":{}}]`
	tests := []struct {
		name, module, expr string
		want               any
	}{
		{"units whole", "format", "m.units(2500000)", units(2_500_000)},
		{"units negative", "format", "m.units(-7)", units(-7)},
		{"units large", "format", "m.units(123456789012345)", units(123_456_789_012_345)},
		{"bytes binary", "format", "m.bytes(3 * 1024 * 1024)", "3.0 MiB"},
		{"bytes small", "format", "m.bytes(512)", "512 B"},
		{"rate", "format", "m.rate(1250000)", fmt.Sprintf("%.1f Mbit/s", 1_250_000*8/1e6)},
		{"parse plain", "format", `m.parseBytes("1073741824")`, float64(1 << 30)},
		{"parse GiB", "format", `m.parseBytes("2 GiB")`, float64(2 << 30)},
		{"parse MB", "format", `m.parseBytes("500MB")`, float64(500_000_000)},
		{"parse empty", "format", `m.parseBytes("  ")`, float64(0)},
		{"parse junk", "format", `(() => { try { m.parseBytes("lots"); return "accepted"; } catch (e) { return "refused"; } })()`, "refused"},
		{"parse zero", "format", `(() => { try { m.parseBytes("0"); return "accepted"; } catch (e) { return "refused"; } })()`, "refused"},
		{"median odd", "supply", "m.median([5, 1, 3])", float64(3)},
		{"median even", "supply", "m.median([4, 1, 3, 2])", 2.5},
		{"median none", "supply", "m.median([])", float64(0)},
		{"group countries", "supply", "m.byCountry(" + nodes + ").map(g => g.country).join()", "DE,FR"},
		{"group online", "supply", "m.byCountry(" + nodes + ").map(g => g.online + '/' + g.total).join()", "2/3,0/1"},
		{"group spare online only", "supply", "m.byCountry(" + nodes + ")[0].spare", float64(1500)},
		{"group lowest online price", "supply", "m.byCountry(" + nodes + ")[0].minPrice", float64(700)},
		{"spend rate", "usage", "m.spendRate([{t: 0, v: 0}, {t: 30000, v: 1000}])", units(1000*3600/30) + " per hour"},
		{"spend rate one sample", "usage", "m.spendRate([{t: 5, v: 9}])", "measuring…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evalModule(t, ctx, tt.module, tt.expr)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: got %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

// evalModule imports js/<module>.js as m in the page and evaluates expr.
func evalModule(t *testing.T, ctx context.Context, module, expr string) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	js := fmt.Sprintf(`import("./js/%s.js").then((m) => JSON.stringify(%s))`, module, expr)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	return v
}
