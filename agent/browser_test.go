package agent_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/browsertest"
)

// browser starts headless Chromium for a test.
func browser(t *testing.T) context.Context { return browsertest.Start(t) }

// do runs steps in the tab.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, what, steps...)
}

// read evaluates a JavaScript expression in the page.
func read(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// clearField empties an input as a user selecting and deleting its text
// would (chromedp.Clear resets only the attribute, not what is typed).
func clearField(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	read(t, ctx, fmt.Sprintf(`(() => { document.getElementById(%q).value = ""; return ""; })()`, id))
}

// text is an element's text content.
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	return read(t, ctx, fmt.Sprintf("document.getElementById(%q).textContent", id))
}

// waitText waits until cond holds for an element's text.
func waitText(t *testing.T, ctx context.Context, id, what string, cond func(string) bool) string {
	t.Helper()
	var got string
	waitFor(t, what, func() bool { got = text(t, ctx, id); return cond(got) })
	return got
}

// traffic exchanges data with o through d until the returned stop is
// called, so that the dashboard has shared traffic to show.
func traffic(t *testing.T, d *exitdial.Dialer, o *origin) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			c, err := d.DialContext(ctx, "tcp", o.Addr())
			if err != nil {
				continue
			}
			_, _ = c.Write(payload(10_000))
			_ = c.(*exitdial.Conn).CloseWrite()
			buf := make([]byte, 32<<10)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

func TestDashboardInBrowser(t *testing.T) {
	ctx := browser(t)
	m := newMarket(t)
	key, _ := m.Operator()
	o := newOrigin(t, 200_000)
	a := startOwned(t, m, key, func(c *agent.Config) {
		c.BalanceInterval, c.ProbeDelay = 200*time.Millisecond, 10*time.Millisecond
	}, o.Addr())
	token, _ := a.StatusToken()

	// A wrong token is refused; the right one signs in.
	do(t, ctx, "load the page",
		chromedp.Navigate(a.DashboardURL()),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "not-the-token"),
		chromedp.Click(chromedp.ID("login-btn")),
	)
	waitText(t, ctx, "login-error", "the wrong token's refusal", func(s string) bool { return s != "" })
	clearField(t, ctx, "token")
	do(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.ID("login-btn")),
		chromedp.WaitVisible(chromedp.ID("main")),
	)
	if got := waitText(t, ctx, "node-id", "the node ID", func(s string) bool { return s != "" }); got != a.NodeID() {
		t.Errorf("page shows node %q, want %q", got, a.NodeID())
	}

	// The numbers are live: the clock of the last update moves, the graph
	// gains samples and shared traffic shows up.
	first := text(t, ctx, "updated")
	waitText(t, ctx, "updated", "a later update", func(s string) bool { return s != first })
	stop := traffic(t, exitDialer(t, buyLease(t, m.Buyer(), "NL")), o)
	shared := waitText(t, ctx, "shared-rate", "shared traffic on the page", func(s string) bool { return s != "0.0 Mbit/s" && s != "…" })
	stop()
	if n := read(t, ctx, `document.getElementById("graph").dataset.samples`); n == "0" || n == "1" {
		t.Errorf("graph holds %s samples, want them to accumulate", n)
	}
	t.Logf("page showed shared traffic of %s", shared)

	// What the broker sees: the listing, its measurement of the line and,
	// once receipts are settled, a statement for today.
	if err := a.Flush(context.Background()); err != nil {
		t.Fatalf("flush receipts: %v", err)
	}
	waitText(t, ctx, "broker-listing", "the broker's listing", func(s string) bool { return s == "available for new leases" })
	waitText(t, ctx, "broker-line", "the broker's line measurement", func(s string) bool { return strings.Contains(s, "Mbit/s up") })
	waitText(t, ctx, "statements", "today's statement", func(s string) bool { return strings.Contains(s, "GB") })

	// Changing the cap in the page changes the agent's effective cap.
	clearField(t, ctx, "max-up")
	clearField(t, ctx, "max-down")
	do(t, ctx, "set an 8 Mbit/s cap",
		chromedp.SendKeys(chromedp.ID("max-up"), "8"),
		chromedp.SendKeys(chromedp.ID("max-down"), "8"),
		chromedp.Click(chromedp.ID("save-btn")),
	)
	waitFor(t, "the agent's cap to follow the page", func() bool {
		st, err := a.api.Status(context.Background())
		return err == nil && st.Serving.CapBps == 1_000_000
	})
	waitText(t, ctx, "effective-cap", "the page to show the cap", func(s string) bool { return s == "8.0 Mbit/s" })

	// Pause and resume from the page.
	do(t, ctx, "pause", chromedp.Click(chromedp.ID("pause-btn")))
	a.waitReason(t, owner.ReasonPaused)
	waitText(t, ctx, "state", "the page to show the pause", func(s string) bool { return s == "Paused" })
	do(t, ctx, "resume", chromedp.WaitVisible(chromedp.ID("resume-btn")), chromedp.Click(chromedp.ID("resume-btn")))
	a.waitReason(t, "")
	waitText(t, ctx, "state", "the page to show sharing", func(s string) bool { return s == "Sharing" })
}
