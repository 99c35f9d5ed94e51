package console_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/browsertest"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/internal/nodetest"
)

// startNode runs an exit in country for op that may reach allow, with
// quick heartbeats and receipt uploads; it stops when the test ends.
func startNode(t *testing.T, op *client.Client, country string, price int64, allow string) *node.Node {
	t.Helper()
	log := zaptest.NewLogger(t).Named("node-" + country)
	key, err := identity.Generate()
	if err != nil {
		t.Fatalf("node key: %v", err)
	}
	policy, err := node.NewPolicy([]string{allow}, nil, log)
	if err != nil {
		t.Fatalf("egress policy: %v", err)
	}
	n, err := node.Start(context.Background(), node.Config{
		Key: key, Broker: op, Egress: policy,
		Listing: node.Listing{Region: api.Region{Country: country}, ASN: 64500, ConnectionType: api.ConnResidential,
			PriceMicrosPerGB: price, CapacityBps: 2_000_000},
		HeartbeatInterval: time.Second, ReceiptInterval: 200 * time.Millisecond,
	}, log)
	if err != nil {
		t.Fatalf("start node in %s: %v", country, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; n.Close() })
	return n
}

// buyer makes a funded buyer account and returns its key and a client.
func buyer(t *testing.T, m *nodetest.Market) (string, *client.Client) {
	t.Helper()
	a, key := m.Account(api.KindBuyer, "Console Buyer")
	if _, err := m.Admin.Credit(context.Background(), "fund-"+a.ID, a.ID, 10_000_000); err != nil {
		t.Fatalf("credit buyer: %v", err)
	}
	return key, client.New(m.URL, key)
}

// browser starts headless Chromium with a fresh profile and returns a tab
// that closes, with the browser, when the test ends. The test fails if the
// page throws or logs an error other than a refused request (a bad key's
// 401, a scope's 403): a script error or a policy violation.
func browser(t *testing.T) context.Context {
	t.Helper()
	ctx := browsertest.Start(t)
	errs := watchConsole(ctx)
	t.Cleanup(func() {
		for _, e := range errs.list() {
			t.Errorf("page console: got %s, want no script errors or policy violations", e)
		}
	})
	return ctx
}

// pageErrors collects what the page's console reports as errors.
type pageErrors struct {
	mu   sync.Mutex
	errs []string
}

func (p *pageErrors) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// watchConsole collects uncaught exceptions and error messages, leaving
// out the network's reports of refused requests, which the tests provoke.
func watchConsole(ctx context.Context) *pageErrors {
	p := &pageErrors{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
				p.mu.Lock()
				p.errs = append(p.errs, m.String())
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// do runs steps in the tab.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, what, steps...)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// text is the text of the first element matching a CSS selector, or ""
// when there is none.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, css))
}

// count is how many elements match a CSS selector.
func count(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	return eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length`, css))
}

// setValue sets a form field as typing would, so that change handlers run.
func setValue(t *testing.T, ctx context.Context, id, value string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q;
		e.dispatchEvent(new Event("change")); return true; })()`, id, value))
}

// waitText waits until cond holds for the text of a CSS selector's first
// match and returns that text.
func waitText(t *testing.T, ctx context.Context, css, what string, cond func(string) bool) string {
	t.Helper()
	var got string
	waitFor(t, what, func() bool { got = text(t, ctx, css); return cond(got) })
	return got
}

// waitFor polls cond until it holds or 20s pass; the console polls usage
// every 3s and exits upload receipts every 200ms.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// units formats micro-units as the console does: units, six decimals.
func units(micros int64) string {
	sign := ""
	if micros < 0 {
		sign, micros = "-", -micros
	}
	return fmt.Sprintf("%s%d.%06d", sign, micros/1e6, micros%1e6)
}

// click clicks the first element matching a CSS selector once it exists.
// Tables are redrawn when their data arrives, so the element is looked up
// at the moment of the click rather than held from an earlier query.
func click(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	waitFor(t, "an element "+css+" to click", func() bool {
		return eval[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q);
			if (!e || e.hidden) return false; e.click(); return true; })()`, css))
	})
}
