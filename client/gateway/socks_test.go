package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

func TestSOCKSConnect(t *testing.T) {
	origin := startTCPOrigin(t, echo)
	_, port := hostPort(t, origin.Addr().String())
	tests := []struct {
		name   string
		cfg    Config
		auth   *proxy.Auth
		target string // what the client asks for; must reach the dialer unchanged
	}{
		{name: "ipv4", target: origin.Addr().String()},
		{name: "ipv6", target: net.JoinHostPort("::1", port)},
		{name: "domain stays unresolved", target: net.JoinHostPort("origin.sparelink.test", port)},
		{
			name:   "username and password",
			cfg:    Config{Username: "buyer", Password: "s3cret"},
			auth:   &proxy.Auth{User: "buyer", Password: "s3cret"},
			target: net.JoinHostPort("origin.sparelink.test", port),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDialer()
			d.route(tt.target, origin.Addr().String())
			gw := startGateway(t, tt.cfg, d)
			c := socksDial(t, gw.socks, tt.auth, tt.target)
			msg := []byte("hello through the exit")
			if _, err := c.Write(msg); err != nil {
				t.Fatalf("write: %v", err)
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("read echo: %v", err)
			}
			if !bytes.Equal(got, msg) {
				t.Errorf("echo got %q, want %q", got, msg)
			}
			if !d.askedFor(tt.target) {
				t.Errorf("dialer saw %v, want exactly %q", d.asked, tt.target)
			}
		})
	}
}

// socksDial connects to target through the gateway with the x/net client.
func socksDial(t testing.TB, gw string, auth *proxy.Auth, target string) net.Conn {
	t.Helper()
	pd, err := proxy.SOCKS5("tcp", gw, auth, proxy.Direct)
	if err != nil {
		t.Fatalf("proxy.SOCKS5: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pd.(proxy.ContextDialer).DialContext(ctx, "tcp", target)
	if err != nil {
		t.Fatalf("dial %s through gateway: %v", target, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// connectRequest builds a SOCKS5 CONNECT request for a domain name.
func connectRequest(cmd byte, host string, port uint16) []byte {
	b := []byte{socksVersion, cmd, 0, atypDomain, byte(len(host))}
	b = append(b, host...)
	return append(b, byte(port>>8), byte(port))
}

func TestSOCKSReplies(t *testing.T) {
	d := newTestDialer()
	statuses := map[string]string{
		"prohibited.test": "destination_ip_prohibited",
		"nxdomain.test":   "dns_error",
		"refused.test":    "connection_refused",
		"slow.test":       "connection_timeout",
		"unroutable.test": "destination_ip_unroutable",
		"odd.test":        "tls_alert_received",
	}
	for host, st := range statuses {
		d.fail(host+":80", &exitError{status: st})
	}
	d.fail("plain.test:80", errors.New("exit went away"))
	gw := startGateway(t, Config{}, d)
	_, gwPort := hostPort(t, gw.socks)
	selfPort := uint16(mustAtoi(t, gwPort))
	noAuth := []byte{socksVersion, 1, methodNoAuth}
	tests := []struct {
		name string
		send []byte
		want []byte // the reply after the method selection
	}{
		{"prohibited", connectRequest(cmdConnect, "prohibited.test", 80), reply(repNotAllowed)},
		{"dns error", connectRequest(cmdConnect, "nxdomain.test", 80), reply(repHostUnreachable)},
		{"refused", connectRequest(cmdConnect, "refused.test", 80), reply(repConnRefused)},
		{"timeout", connectRequest(cmdConnect, "slow.test", 80), reply(repHostUnreachable)},
		{"unroutable", connectRequest(cmdConnect, "unroutable.test", 80), reply(repNetUnreachable)},
		{"other status", connectRequest(cmdConnect, "odd.test", 80), reply(repGeneralFailure)},
		{"plain error", connectRequest(cmdConnect, "plain.test", 80), reply(repGeneralFailure)},
		{"bind", connectRequest(cmdBind, "prohibited.test", 80), reply(repCmdNotSupported)},
		{"unknown address type", []byte{socksVersion, cmdConnect, 0, 0x09, 1, 2}, reply(repAddrTypeNotSupport)},
		{"invalid name", connectRequest(cmdConnect, "bad name", 80), reply(repGeneralFailure)},
		{"port zero", connectRequest(cmdConnect, "prohibited.test", 0), reply(repGeneralFailure)},
		{"loop to gateway", connectRequest(cmdConnect, "localhost", selfPort), reply(repNotAllowed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exchange(t, gw.socks, append(append([]byte{}, noAuth...), tt.send...))
			want := append([]byte{socksVersion, methodNoAuth}, tt.want...)
			if !bytes.Equal(got, want) {
				t.Errorf("reply got % x, want % x", got, want)
			}
		})
	}
}

func reply(code byte) []byte { return []byte{socksVersion, code, 0, atypIPv4, 0, 0, 0, 0, 0, 0} }

func TestSOCKSAuthFailures(t *testing.T) {
	gw := startGateway(t, Config{Username: "buyer", Password: "s3cret"}, newTestDialer())
	userPass := func(u, p string) []byte {
		b := append([]byte{userPassVersion, byte(len(u))}, u...)
		b = append(b, byte(len(p)))
		return append(b, p...)
	}
	offerUserPass := []byte{socksVersion, 2, methodNoAuth, methodUserPass}
	tests := []struct {
		name string
		send []byte
		want []byte
	}{
		{"no auth offered", []byte{socksVersion, 1, methodNoAuth}, []byte{socksVersion, methodNoneUsable}},
		{"wrong password", append(offerUserPass, userPass("buyer", "guess")...), []byte{socksVersion, methodUserPass, userPassVersion, 1}},
		{"wrong user", append(offerUserPass, userPass("seller", "s3cret")...), []byte{socksVersion, methodUserPass, userPassVersion, 1}},
		{"empty credentials", append(offerUserPass, userPass("", "")...), []byte{socksVersion, methodUserPass, userPassVersion, 1}},
		{"bad auth version", append(offerUserPass, 0x05, 0, 0), []byte{socksVersion, methodUserPass}},
		{"socks4 client", []byte{0x04, 0x01, 0, 80, 127, 0, 0, 1, 0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exchange(t, gw.socks, tt.send); !bytes.Equal(got, tt.want) {
				t.Errorf("reply got % x, want % x", got, tt.want)
			}
		})
	}
}

// exchange sends raw bytes to addr and returns everything the server
// answers before it closes the connection.
func exchange(t testing.TB, addr string, send []byte) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial gateway: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(send); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Fatalf("read reply: %v", err)
	}
	return got
}
