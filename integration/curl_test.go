package integration

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/testenv"
)

// curlTimeout bounds one curl transfer.
const curlTimeout = 20 * time.Second

// curlResult is what one curl run produced.
type curlResult struct {
	code           int // curl's exit status
	stdout, stderr string
}

// curl runs the real curl with args after "-q -sS" (no ~/.curlrc, no
// progress meter, errors shown) and a clean environment, so that only the
// proxy given with -x applies.
func curl(t *testing.T, args ...string) curlResult {
	t.Helper()
	path := testenv.NeedTool(t, "curl")
	ctx, cancel := context.WithTimeout(context.Background(), curlTimeout)
	defer cancel()
	argv := append([]string{"-q", "-sS", "--max-time", "15"}, args...)
	cmd := exec.CommandContext(ctx, path, argv...)
	cmd.Env = cleanEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := curlResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		res.code = exit.ExitCode()
	default:
		t.Fatalf("curl %s: %v (stderr %s)", strings.Join(argv, " "), err, res.stderr)
	}
	t.Logf("curl %s: exit %d, %d bytes out, stderr %q", strings.Join(argv, " "), res.code, len(res.stdout), res.stderr)
	return res
}

// proxyCase is one way a buyer's application reaches a destination through
// the gateway.
type proxyCase struct {
	name string
	args []string // curl's proxy options
}

// proxyCases are the gateway's three doors: SOCKS5 with remote name
// resolution, a plain HTTP forward proxy and an HTTP CONNECT tunnel.
func proxyCases(socks5, httpProxy string) []proxyCase {
	return []proxyCase{
		{name: "socks5h", args: []string{"-x", socks5}},
		{name: "http forward", args: []string{"-x", httpProxy}},
		{name: "http connect", args: []string{"-p", "-x", httpProxy}},
	}
}

// wantRefused fails the test unless curl's attempt through a proxy was
// refused by the exit's egress policy: a SOCKS5 failure reply, or an HTTP
// error status with a Proxy-Status header (curl -i output).
func wantRefused(t *testing.T, pc proxyCase, res curlResult) {
	t.Helper()
	if pc.name == "http forward" {
		status, _, _ := strings.Cut(res.stdout, "\r\n")
		if res.code != 0 || !strings.Contains(status, " 403 ") {
			t.Fatalf("%s: got exit %d, status line %q, want exit 0 and 403", pc.name, res.code, status)
		}
		if !strings.Contains(strings.ToLower(res.stdout), "proxy-status:") || !strings.Contains(res.stdout, "prohibited") {
			t.Fatalf("%s: got answer %q, want a Proxy-Status header naming the refusal", pc.name, res.stdout)
		}
		return
	}
	if res.code == 0 {
		t.Fatalf("%s: got exit 0 and %q, want curl to fail", pc.name, res.stdout)
	}
	want := map[string]string{"socks5h": "SOCKS5", "http connect": "CONNECT tunnel failed, response 403"}[pc.name]
	if !strings.Contains(res.stderr, want) {
		t.Fatalf("%s: got curl error %q, want one mentioning %q", pc.name, res.stderr, want)
	}
}
