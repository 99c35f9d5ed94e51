package gateway

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/testenv"
)

// TestCurl drives the gateway with the real curl binary, the way buyers'
// applications use it.
func TestCurl(t *testing.T) {
	curl := testenv.NeedTool(t, "curl")
	dir := t.TempDir()
	plain, _ := startHTTPOrigin(t, false)
	tlsOrigin, _ := startHTTPOrigin(t, true)
	caFile := filepath.Join(dir, "origin.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsOrigin.Certificate().Raw})
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatalf("write CA file: %v", err)
	}
	upload := filepath.Join(dir, "upload.bin")
	if err := os.WriteFile(upload, pattern(300000), 0o600); err != nil {
		t.Fatalf("write upload file: %v", err)
	}
	_, plainPort := hostPort(t, plain.Listener.Addr().String())
	_, tlsPort := hostPort(t, tlsOrigin.Listener.Addr().String())
	named := net.JoinHostPort("origin.sparelink.test", plainPort)
	tlsNamed := net.JoinHostPort("example.com", tlsPort)

	d := newTestDialer()
	d.route(named, plain.Listener.Addr().String())
	d.route(plain.Listener.Addr().String(), plain.Listener.Addr().String())
	d.route(tlsNamed, tlsOrigin.Listener.Addr().String())
	open := startGateway(t, Config{}, d)
	authed := startGateway(t, Config{Username: "buyer", Password: "s3cret"}, d)

	tests := []struct {
		name     string
		args     []string
		wantCode string // HTTP status curl reports; "" means curl must fail
		wantErr  string // part of curl's message when it must fail
		wantBody []byte
		asked    string // address the dialer must have seen verbatim
	}{
		{
			name:     "socks5h passes names unresolved",
			args:     []string{"-x", "socks5h://" + open.socks, "http://" + named + "/bytes?n=100000"},
			wantCode: "200", wantBody: pattern(100000), asked: named,
		},
		{
			name:     "socks5 with username and password",
			args:     []string{"-x", "socks5://buyer:s3cret@" + authed.socks, "http://" + plain.Listener.Addr().String() + "/bytes?n=777"},
			wantCode: "200", wantBody: pattern(777),
		},
		{
			name:    "socks5 with a wrong password",
			args:    []string{"-x", "socks5h://buyer:guess@" + authed.socks, "http://" + named + "/bytes?n=1"},
			wantErr: "rejected",
		},
		{
			name:     "http proxy CONNECT to a TLS origin",
			args:     []string{"-x", "http://" + open.http, "--cacert", caFile, "https://" + tlsNamed + "/bytes?n=200000"},
			wantCode: "200", wantBody: pattern(200000), asked: tlsNamed,
		},
		{
			name:     "plain forward proxy",
			args:     []string{"-x", "http://buyer:s3cret@" + authed.http, "http://" + named + "/bytes?n=50000"},
			wantCode: "200", wantBody: pattern(50000), asked: named,
		},
		{
			name:     "forward upload",
			args:     []string{"-x", "http://" + open.http, "--data-binary", "@" + upload, "http://" + named + "/upload"},
			wantCode: "200", wantBody: []byte("300000"),
		},
		{
			name:     "forward with a wrong password",
			args:     []string{"-x", "http://buyer:guess@" + authed.http, "http://" + named + "/bytes?n=1"},
			wantCode: "407",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, err := runCurl(t, curl, tt.args)
			if tt.wantCode == "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("curl: got status %s and error %v, want an error mentioning %q", code, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("curl %s: %v", strings.Join(tt.args, " "), err)
			}
			if code != tt.wantCode {
				t.Fatalf("status got %s, want %s", code, tt.wantCode)
			}
			if tt.wantBody != nil && string(body) != string(tt.wantBody) {
				t.Errorf("body got %d bytes, want %d", len(body), len(tt.wantBody))
			}
			if tt.asked != "" && !d.askedFor(tt.asked) {
				t.Errorf("dialer saw %v, want %q verbatim", d.asked, tt.asked)
			}
		})
	}
}

// runCurl runs curl without any user configuration or proxy environment
// and returns the HTTP status it reports and the body it saved.
func runCurl(t *testing.T, curl string, args []string) (string, []byte, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "body")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	full := append([]string{"-q", "-sS", "--max-time", "15", "-o", out, "-w", "%{http_code}"}, args...)
	cmd := exec.CommandContext(ctx, curl, full...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	stdout, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return string(stdout), nil, err
	}
	body, rerr := os.ReadFile(out)
	if rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return "", nil, fmt.Errorf("read body: %w", rerr)
	}
	return string(stdout), body, nil
}
