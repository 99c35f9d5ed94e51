package console_test

import (
	"context"
	"errors"
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

// checkBalance compares the balance view with the API's.
func checkBalance(t *testing.T, ctx context.Context, buy *client.Client) {
	t.Helper()
	b, err := buy.Balance(context.Background())
	if err != nil {
		t.Fatalf("balance: %v", err)
	}
	do(t, ctx, "open balance", chromedp.Click(chromedp.CSS(`#nav [data-view=balance]`)))
	waitText(t, ctx, "#balance-held", "the held amount", func(s string) bool { return s == units(b.HeldMicros) })
	if got := text(t, ctx, "#balance-available"); got != units(b.AvailableMicros) {
		t.Errorf("available: got %q, want %q", got, units(b.AvailableMicros))
	}
	waitFor(t, "ledger rows", func() bool { return count(t, ctx, "#ledger-rows tr") > 0 })
	ledger, err := buy.Ledger(context.Background(), "", client.Page{Limit: 20})
	if err != nil {
		t.Fatalf("ledger: %v", err)
	}
	if got, want := count(t, ctx, "#ledger-rows tr"), len(ledger.Entries); got != want {
		t.Errorf("ledger: got %d rows, want the %d entries of the first page", got, want)
	}
	if !ledger.HasMore {
		t.Fatalf("ledger: got one page, want more than 20 entries to page through")
	}
	last := ledger.Entries[len(ledger.Entries)-1].ID
	next, err := buy.Ledger(context.Background(), "", client.Page{Limit: 20, StartingAfter: strconv.FormatInt(last, 10)})
	if err != nil {
		t.Fatalf("ledger page 2: %v", err)
	}
	do(t, ctx, "next ledger page", chromedp.Click(chromedp.ID("ledger-next")))
	want := strconv.FormatInt(next.Entries[0].ID, 10)
	waitText(t, ctx, "#ledger-rows tr td:first-child", "the second page", func(s string) bool { return s == want })
}

// checkKeys creates a key in the page, checks it works once shown, and
// revokes it from the page.
func checkKeys(t *testing.T, ctx context.Context, m *nodetest.Market) {
	t.Helper()
	do(t, ctx, "open keys", chromedp.Click(chromedp.CSS(`#nav [data-view=keys]`)))
	click(t, ctx, "#key-create")
	do(t, ctx, "create a key", chromedp.WaitVisible(chromedp.ID("key-secret-box")))
	secret := text(t, ctx, "#key-secret")
	if !strings.HasPrefix(secret, "sl_buyer_") {
		t.Fatalf("new key: got %q, want a buyer key", secret)
	}
	other := client.New(m.URL, secret)
	if _, err := other.Balance(context.Background()); err != nil {
		t.Fatalf("new key: got %v, want it to work", err)
	}
	id := strings.Split(secret, "_")[2]
	row := fmt.Sprintf(`#keys-rows tr[data-key=%q]`, id)
	waitFor(t, "the new key's row", func() bool { return count(t, ctx, row) == 1 })
	click(t, ctx, row+" .revoke")
	waitText(t, ctx, row+" td:nth-child(6)", "the key revoked", func(s string) bool { return strings.HasPrefix(s, "revoked") })
	var apiErr *client.Error
	if _, err := other.Balance(context.Background()); !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Errorf("revoked key: got %v, want 401", err)
	}
	do(t, ctx, "dismiss the secret", chromedp.Click(chromedp.ID("key-secret-done")))
	if got := text(t, ctx, "#key-secret"); got != "" {
		t.Errorf("dismissed secret: got %q still on the page, want it gone", got)
	}
}

// checkWebhooks adds a webhook in the page and deletes it again.
func checkWebhooks(t *testing.T, ctx context.Context, buy *client.Client) {
	t.Helper()
	do(t, ctx, "open webhooks", chromedp.Click(chromedp.CSS(`#nav [data-view=webhooks]`)), chromedp.WaitVisible(chromedp.ID("hook-url")))
	setValue(t, ctx, "hook-url", "https://app.example/sparelink")
	click(t, ctx, "#hook-create")
	do(t, ctx, "add a webhook", chromedp.WaitVisible(chromedp.ID("hook-secret-box")))
	if got := text(t, ctx, "#hook-secret"); !strings.HasPrefix(got, "whsec_") {
		t.Errorf("webhook secret: got %q, want whsec_…", got)
	}
	list, err := buy.Webhooks(context.Background(), client.Page{})
	if err != nil || len(list.Webhooks) != 1 {
		t.Fatalf("webhooks: got %+v, err %v; want the one the page made", list, err)
	}
	row := fmt.Sprintf(`#hooks-rows tr[data-webhook=%q]`, list.Webhooks[0].ID)
	waitFor(t, "the webhook's row", func() bool { return count(t, ctx, row) == 1 })
	click(t, ctx, row+" .delete")
	waitFor(t, "the row gone", func() bool { return count(t, ctx, "#hooks-rows tr") == 0 })
	if list, err := buy.Webhooks(context.Background(), client.Page{}); err != nil || len(list.Webhooks) != 0 {
		t.Errorf("webhooks after delete: got %+v, err %v; want none", list, err)
	}
}

// TestConsoleScopes signs in with an operator key: what the scope allows
// works, and what it does not shows the broker's 403 problem.
func TestConsoleScopes(t *testing.T) {
	ctx := browser(t)
	m := nodetest.NewMarket(t)
	o := nodetest.NewOrigin(t, 1)
	key, op := m.Operator()
	startNode(t, op, "NL", 1_000_000, o.Addr())

	do(t, ctx, "sign in as an operator",
		chromedp.Navigate(m.URL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("key")),
		chromedp.SendKeys(chromedp.ID("key"), key),
		chromedp.Click(chromedp.ID("login-btn")),
		chromedp.WaitVisible(chromedp.ID("main")),
	)
	waitFor(t, "the operator's node in supply", func() bool {
		return text(t, ctx, `#supply-rows tr[data-country="NL"] td:nth-child(2)`) == "1"
	})
	do(t, ctx, "open the quote form", chromedp.Click(chromedp.CSS(`#nav [data-view=quote]`)))
	click(t, ctx, "#quote-btn")
	code := waitText(t, ctx, "#quote-error .p-code", "the quote's refusal", func(s string) bool { return s != "" })
	if code != api.CodeForbidden {
		t.Errorf("operator quote: got code %q, want %q", code, api.CodeForbidden)
	}
	if got := text(t, ctx, "#quote-error .p-request"); !strings.HasPrefix(got, "req_") {
		t.Errorf("operator quote: got request ID %q, want the problem's", got)
	}
	do(t, ctx, "open balance", chromedp.Click(chromedp.CSS(`#nav [data-view=balance]`)))
	waitText(t, ctx, "#balance-available", "the operator's balance", func(s string) bool { return s == units(0) })
	if vis := eval[bool](t, ctx, `document.getElementById("balance-error").hidden`); !vis {
		t.Errorf("balance: got an error %q, want the operator's balance", text(t, ctx, "#balance-error"))
	}

	// Revoking the key the tab signed in with signs it out.
	do(t, ctx, "open keys", chromedp.Click(chromedp.CSS(`#nav [data-view=keys]`)))
	click(t, ctx, fmt.Sprintf(`#keys-rows tr[data-key=%q] .revoke`, strings.Split(key, "_")[2]))
	do(t, ctx, "signed out", chromedp.WaitVisible(chromedp.ID("login")))
	if got := text(t, ctx, "#login-error .p-code"); got != api.CodeUnauthorized {
		t.Errorf("after revoking the session's key: got code %q, want %q", got, api.CodeUnauthorized)
	}
	if got := eval[string](t, ctx, `sessionStorage.getItem("sparelink-console-key") || ""`); got != "" {
		t.Errorf("after sign-out: sessionStorage holds %q, want nothing", got)
	}
}

// accountOf is the account ID of c's key.
func accountOf(t *testing.T, c *client.Client) string {
	t.Helper()
	b, err := c.Balance(context.Background())
	if err != nil {
		t.Fatalf("balance: %v", err)
	}
	return b.AccountID
}
