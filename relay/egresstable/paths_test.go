package egresstable

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// path is one way a buyer's request reaches a destination. get asks the
// destination at host:port for an answer through it (an HTTP GET of "/"
// over TCP, one datagram over UDP) and returns the answer's body; refusal
// says why err is not an honest refusal (nil when it is one).
type path struct {
	name    string
	network string // "tcp" or "udp": what the destination receives
	get     func(ctx context.Context, e *env, host string, port uint16) (string, error)
	refusal func(err error) error
	// direct means errors are the policy's own, so the refusal reason
	// can be checked too; behind an exit only the Proxy-Status is seen.
	direct bool
	// dns443 means names are resolved by the WireGuard exit's DNS, which
	// cannot know the port a name is wanted for and judges it for 443.
	dns443 bool
}

// paths are every exit path that exists: the policy alone, the QUIC
// exit's TCP CONNECT through the buyer's exit dialer, the gateway's
// SOCKS5, HTTP CONNECT and HTTP forward proxies in front of that exit,
// the WireGuard exit's TCP forwarder, and for UDP flows the policy, the
// QUIC exit's CONNECT-UDP and the WireGuard exit's UDP forwarder. (The
// gateway does not carry UDP.)
var paths = []path{
	{"policy", "tcp", getViaPolicy, policyRefusal, true, false},
	{"quic-connect", "tcp", getViaQUIC, exitRefusal, false, false},
	{"gateway-socks5", "tcp", getViaSOCKS, socksRefusal, false, false},
	{"gateway-http-connect", "tcp", getViaHTTPConnect, httpRefusal, false, false},
	{"gateway-http-forward", "tcp", getViaHTTPForward, httpRefusal, false, false},
	{"wireguard-tcp", "tcp", getViaWireGuard, wgRefusal, false, true},
	{"policy-udp", "udp", getViaPolicyUDP, policyRefusal, true, false},
	{"quic-connect-udp", "udp", getViaQUICUDP, exitRefusal, false, false},
	{"wireguard-udp", "udp", getViaWireGuardUDP, wgRefusal, false, true},
}

// pathsFor returns the paths that reach destinations over network.
func pathsFor(network string) []path {
	var out []path
	for _, p := range paths {
		if p.network == network {
			out = append(out, p)
		}
	}
	return out
}

func hostPort(host string, port uint16) string {
	return host + ":" + strconv.Itoa(int(port))
}

func getViaPolicy(ctx context.Context, e *env, host string, port uint16) (string, error) {
	conn, err := e.policy.DialContext(ctx, "tcp", hostPort(host, port))
	if err != nil {
		return "", err
	}
	return getOverConn(conn, nil, host, port)
}

func getViaQUIC(ctx context.Context, e *env, host string, port uint16) (string, error) {
	conn, err := e.dialer.DialContext(ctx, "tcp", hostPort(host, port))
	if err != nil {
		return "", err
	}
	return getOverConn(conn, nil, host, port)
}

func getViaHTTPConnect(ctx context.Context, e *env, host string, port uint16) (string, error) {
	conn, err := new(net.Dialer).DialContext(ctx, "tcp", e.http)
	if err != nil {
		return "", err
	}
	target := hostPort(host, port)
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	br := bufio.NewReader(conn)
	rsp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		_ = conn.Close()
		return "", fmt.Errorf("read CONNECT answer: %w", err)
	}
	if rsp.StatusCode != http.StatusOK {
		_ = conn.Close()
		return "", proxyAnswer(rsp)
	}
	return getOverConn(conn, br, host, port)
}

func getViaHTTPForward(ctx context.Context, e *env, host string, port uint16) (string, error) {
	conn, err := new(net.Dialer).DialContext(ctx, "tcp", e.http)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	target := hostPort(host, port)
	fmt.Fprintf(conn, "GET http://%s/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, target)
	return readAnswer(bufio.NewReader(conn))
}

// getOverConn sends a GET through an open tunnel and reads the answer.
// br, when set, holds what was already read from conn.
func getOverConn(conn net.Conn, br *bufio.Reader, host string, port uint16) (string, error) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", hostPort(host, port))
	if br == nil {
		br = bufio.NewReader(conn)
	}
	return readAnswer(br)
}

func readAnswer(br *bufio.Reader) (string, error) {
	rsp, err := http.ReadResponse(br, nil)
	if err != nil {
		return "", fmt.Errorf("read answer: %w", err)
	}
	defer rsp.Body.Close()
	if rsp.StatusCode != http.StatusOK {
		return "", proxyAnswer(rsp)
	}
	body, err := io.ReadAll(io.LimitReader(rsp.Body, 1<<10))
	return string(body), err
}

// proxyError is a proxy's non-2xx answer.
type proxyError struct {
	status    int
	errorType string // the error parameter of Proxy-Status
}

func (e *proxyError) Error() string {
	return fmt.Sprintf("proxy answered %d, Proxy-Status error %q", e.status, e.errorType)
}

func proxyAnswer(rsp *http.Response) error {
	_, _ = io.Copy(io.Discard, io.LimitReader(rsp.Body, 1<<10))
	_, typ, _ := strings.Cut(rsp.Header.Get("Proxy-Status"), "error=")
	typ, _, _ = strings.Cut(typ, ";")
	return &proxyError{status: rsp.StatusCode, errorType: strings.TrimSpace(typ)}
}
