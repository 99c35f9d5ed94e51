// Package browsertest drives Debian's headless Chromium (through chromedp)
// for the end-to-end tests of SpareLink's web pages: the agent's dashboard
// and the broker's console. Without chromium the tests skip loudly, and
// fail when CI=true (internal/testenv).
package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sparelink/sparelink/internal/testenv"
)

// StepTimeout bounds the steps of one Do.
const StepTimeout = 20 * time.Second

// Start launches headless Chromium with a fresh profile and returns a tab
// that closes, with the browser, when the test ends.
func Start(t *testing.T) context.Context {
	t.Helper()
	path := testenv.NeedTool(t, "chromium")
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Do runs steps in the tab, all within StepTimeout, and fails the test
// naming what they were for.
func Do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}
