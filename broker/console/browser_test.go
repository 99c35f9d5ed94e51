package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/nodetest"
)

// TestConsoleInBrowser drives the console in headless Chromium against a
// real broker with real exits: sign-in, supply, a quote, a lease with its
// exits, live usage from real traffic, keys, webhooks and closing.
func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t)
	m := nodetest.NewMarket(t)
	o := nodetest.NewOrigin(t, 40_000)
	_, op := m.Operator()
	for _, c := range []struct {
		country string
		price   int64
	}{{"DE", 1_200_000}, {"DE", 1_500_000}, {"FR", 900_000}, {"US", 2_000_000}} {
		startNode(t, op, c.country, c.price, o.Addr())
	}
	key, buy := buyer(t, m)
	for i := range 25 { // enough ledger entries for a second page
		if _, err := m.Admin.Credit(context.Background(), fmt.Sprintf("top-up-%d", i), accountOf(t, buy), 1000); err != nil {
			t.Fatalf("credit: %v", err)
		}
	}

	signIn(t, ctx, m, key)
	checkSupply(t, ctx, map[string]int{"DE": 2, "FR": 1, "US": 1})
	l := quoteAndBuy(t, ctx, buy)
	checkExits(t, ctx, buy, l)
	checkUsage(t, ctx, buy, l, o)
	checkBalance(t, ctx, buy)
	checkKeys(t, ctx, m)
	checkWebhooks(t, ctx, buy)
	closeLease(t, ctx, buy, l.ID)
}

// problemFor is the problem the broker answers to GET /v1/balance with key.
func problemFor(t *testing.T, url, key string) api.Problem {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/v1/balance", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/balance: %v", err)
	}
	defer res.Body.Close()
	var p api.Problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || p.Detail == "" {
		t.Fatalf("GET /v1/balance with a bad key: got %d, %+v, err %v; want a problem with a detail", res.StatusCode, p, err)
	}
	return p
}

// signIn opens the console by its short path, shows that a bad key gets
// the broker's problem, then signs in with key, kept in the tab only.
func signIn(t *testing.T, ctx context.Context, m *nodetest.Market, key string) {
	t.Helper()
	const bad = "sl_buyer_k0123456789abcdef0123_not-a-secret"
	do(t, ctx, "load the page",
		chromedp.Navigate(m.URL+"/console"),
		chromedp.WaitVisible(chromedp.ID("key")),
		chromedp.SendKeys(chromedp.ID("key"), bad),
		chromedp.Click(chromedp.ID("login-btn")),
	)
	if got, want := eval[string](t, ctx, "location.pathname"), "/console/"; got != want {
		t.Errorf("page path: got %q, want %q after the redirect", got, want)
	}
	want := problemFor(t, m.URL, bad)
	got := waitText(t, ctx, "#login-error .p-detail", "the bad key's problem", func(s string) bool { return s != "" })
	if got != want.Detail {
		t.Errorf("bad key: got detail %q, want %q", got, want.Detail)
	}
	if code := text(t, ctx, "#login-error .p-code"); code != want.Code {
		t.Errorf("bad key: got code %q, want %q", code, want.Code)
	}
	setValue(t, ctx, "key", "")
	do(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.ID("key"), key),
		chromedp.Click(chromedp.ID("login-btn")),
		chromedp.WaitVisible(chromedp.ID("main")),
	)
	if got := eval[string](t, ctx, `sessionStorage.getItem("sparelink-console-key")`); got != key {
		t.Errorf("sessionStorage holds %q, want the key", got)
	}
	if got := eval[string](t, ctx, "document.cookie + location.href"); strings.Contains(got, key) {
		t.Errorf("the key leaked into a cookie or the URL: %q", got)
	}
}

// checkSupply waits for the supply table to list want (country → nodes
// online) and the chart to draw a bar per country.
func checkSupply(t *testing.T, ctx context.Context, want map[string]int) {
	t.Helper()
	do(t, ctx, "open supply", chromedp.Click(chromedp.CSS(`#nav [data-view=supply]`)), chromedp.Click(chromedp.ID("supply-refresh")))
	waitFor(t, "a row per country", func() bool { return count(t, ctx, "#supply-rows tr") == len(want) })
	for country, online := range want {
		got := text(t, ctx, fmt.Sprintf(`#supply-rows tr[data-country=%q] td:nth-child(2)`, country))
		if got != strconv.Itoa(online) {
			t.Errorf("supply in %s: got %q online, want %d", country, got, online)
		}
	}
	if got := eval[string](t, ctx, `document.getElementById("supply-chart").dataset.bars`); got != strconv.Itoa(len(want)) {
		t.Errorf("supply chart: got %s bars, want %d", got, len(want))
	}
}

// quoteAndBuy asks for a quote in Germany, checks it against the API's,
// then buys the lease from the same form.
func quoteAndBuy(t *testing.T, ctx context.Context, buy *client.Client) *api.Lease {
	t.Helper()
	do(t, ctx, "open the quote form", chromedp.Click(chromedp.CSS(`#nav [data-view=quote]`)), chromedp.WaitVisible(chromedp.ID("q-country")))
	setValue(t, ctx, "q-country", "de")
	setValue(t, ctx, "q-maxbytes", "64 MiB")
	do(t, ctx, "get a quote", chromedp.Click(chromedp.ID("quote-btn")), chromedp.WaitVisible(chromedp.ID("quote-result")))
	q, err := buy.Quote(context.Background(), api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, MaxBytes: 64 << 20, Mode: api.ModeRotating})
	if err != nil {
		t.Fatalf("quote through the SDK: %v", err)
	}
	for id, want := range map[string]string{"#quote-price-gb": units(q.PriceMicrosPerGB), "#quote-exits": strconv.Itoa(q.AvailableExits),
		"#quote-hold": units(q.HoldMicros), "#quote-price-hour": units(q.PriceMicrosPerHour)} {
		if got := text(t, ctx, id); got != want {
			t.Errorf("quote %s: got %q, want %q", id, got, want)
		}
	}
	do(t, ctx, "buy the lease", chromedp.Click(chromedp.ID("lease-btn")), chromedp.WaitVisible(chromedp.ID("lease-detail")))
	id := waitText(t, ctx, "#lease-id", "the new lease", func(s string) bool { return s != "" })
	l, err := buy.Lease(context.Background(), id)
	if err != nil {
		t.Fatalf("read lease %s: %v", id, err)
	}
	if l.MaxBytes != 64<<20 || len(l.Exits) != 1 || l.Exits[0].Region.Country != "DE" {
		t.Errorf("lease: got max bytes %d, exits %+v; want 64 MiB and one exit in DE", l.MaxBytes, l.Exits)
	}
	return l
}

// checkExits checks the lease's exit row and that its credentials show
// only when asked.
func checkExits(t *testing.T, ctx context.Context, buy *client.Client, l *api.Lease) {
	t.Helper()
	row := fmt.Sprintf(`#lease-exits tr[data-node=%q]`, l.Exits[0].NodeID)
	if n := count(t, ctx, row); n != 1 {
		t.Fatalf("lease exits: got %d rows for %s, want 1", n, l.Exits[0].NodeID)
	}
	if hidden := eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).hidden`, row+" pre.cred")); !hidden {
		t.Errorf("credentials: got them shown before asking, want them hidden")
	}
	click(t, ctx, row+" .cred-toggle")
	cred := waitText(t, ctx, row+" pre.cred", "the credentials", func(s string) bool { return s != "" })
	if !strings.Contains(cred, "QUIC "+l.Exits[0].QUIC.Addr) || !strings.Contains(cred, "token ") || strings.Contains(cred, "token (none)") {
		t.Errorf("credentials: got %q, want the exit's QUIC address and a token", cred)
	}
	if vis := eval[bool](t, ctx, fmt.Sprintf(`!document.querySelector(%q).hidden`, row+" pre.cred")); !vis {
		t.Errorf("credentials: got them hidden after show, want them shown")
	}
}

// checkUsage sends traffic through the lease's exit and waits for the
// usage view to show what the broker settled, and its chart to grow.
func checkUsage(t *testing.T, ctx context.Context, buy *client.Client, l *api.Lease, o *nodetest.Origin) {
	t.Helper()
	fresh, err := buy.Lease(context.Background(), l.ID)
	if err != nil {
		t.Fatalf("read lease: %v", err)
	}
	nodetest.Exchange(t, nodetest.ExitDialer(t, fresh), o, 30_000)
	click(t, ctx, "#lease-usage-btn")
	do(t, ctx, "open usage", chromedp.WaitVisible(chromedp.ID("usage-chart")))
	var u *api.Usage
	waitFor(t, "settled usage", func() bool {
		u, err = buy.Usage(context.Background(), l.ID)
		return err == nil && u.ChargedMicros > 0 && len(u.Exits) == 1 && u.Exits[0].BytesDown >= int64(o.Down)
	})
	want := units(u.ChargedMicros)
	waitText(t, ctx, "#usage-charged", "the charge on the page", func(s string) bool { return s == want })
	if got := text(t, ctx, "#usage-rows tr td:first-child"); got != l.Exits[0].NodeID {
		t.Errorf("usage rows: got exit %q, want %q", got, l.Exits[0].NodeID)
	}
	waitFor(t, "a second sample in the spend chart", func() bool {
		n, _ := strconv.Atoi(eval[string](t, ctx, `document.getElementById("usage-chart").dataset.samples`))
		return n >= 2
	})
}

// closeLease opens the lease from the list and closes it.
func closeLease(t *testing.T, ctx context.Context, buy *client.Client, id string) {
	t.Helper()
	row := fmt.Sprintf(`#leases-rows tr[data-lease=%q]`, id)
	do(t, ctx, "open the leases", chromedp.Click(chromedp.CSS(`#nav [data-view=leases]`)))
	click(t, ctx, row+" .open-lease")
	click(t, ctx, "#lease-close-btn")
	waitText(t, ctx, "#lease-status", "the lease closed", func(s string) bool { return s == api.LeaseClosed })
	l, err := buy.Lease(context.Background(), id)
	if err != nil || l.Status != api.LeaseClosed {
		t.Errorf("lease after close: got %+v, err %v; want closed", l, err)
	}
}
