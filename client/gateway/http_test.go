package gateway

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// proxyClient is a net/http client that uses the gateway as its proxy.
func proxyClient(t testing.TB, gwHTTP string, user *url.Userinfo, tlsConf *tls.Config) *http.Client {
	t.Helper()
	tr := &http.Transport{
		Proxy:           http.ProxyURL(&url.URL{Scheme: "http", Host: gwHTTP, User: user}),
		TLSClientConfig: tlsConf,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func get(t testing.TB, c *http.Client, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s: %v", u, err)
	}
	return resp, body
}

func TestHTTPConnectTLS(t *testing.T) {
	origin, _ := startHTTPOrigin(t, true)
	_, port := hostPort(t, origin.Listener.Addr().String())
	// The test certificate is valid for example.com, so the name the client
	// sends is both verified end to end and left for the exit to resolve.
	asked := net.JoinHostPort("example.com", port)
	d := newTestDialer()
	d.route(asked, origin.Listener.Addr().String())
	gw := startGateway(t, Config{}, d)
	tlsConf := origin.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	c := proxyClient(t, gw.http, nil, tlsConf)
	resp, body := get(t, c, "https://"+asked+"/bytes?n=5000")
	if resp.StatusCode != http.StatusOK || string(body) != string(pattern(5000)) {
		t.Fatalf("got status %d and %d bytes, want 200 and the 5000-byte pattern", resp.StatusCode, len(body))
	}
	if !d.askedFor(asked) {
		t.Errorf("dialer saw %v, want %q", d.asked, asked)
	}
}

func TestHTTPForward(t *testing.T) {
	origin, _ := startHTTPOrigin(t, false)
	_, port := hostPort(t, origin.Listener.Addr().String())
	asked := net.JoinHostPort("origin.sparelink.test", port)
	d := newTestDialer()
	d.route(asked, origin.Listener.Addr().String())
	gw := startGateway(t, Config{Username: "buyer", Password: "s3cret"}, d)
	c := proxyClient(t, gw.http, url.UserPassword("buyer", "s3cret"), nil)

	for i := range 3 { // the same client connection and tunnel are reused
		resp, body := get(t, c, fmt.Sprintf("http://%s/bytes?n=%d", asked, 1000+i))
		if resp.StatusCode != http.StatusOK || string(body) != string(pattern(1000+i)) {
			t.Fatalf("request %d: got status %d and %d bytes, want 200 and %d bytes", i, resp.StatusCode, len(body), 1000+i)
		}
	}
	resp, body := get(t, c, "http://"+asked+"/headers?q=1")
	checks := []struct{ name, got, want string }{
		{"origin Host", resp.Header.Get("X-Seen-Host"), asked},
		{"origin request target", resp.Header.Get("X-Seen-URI"), "/headers?q=1"},
		{"Proxy-Authorization leaked", headerLine(body, "Proxy-Authorization"), ""},
		{"Proxy-Connection leaked", headerLine(body, "Proxy-Connection"), ""},
		{"Via added", headerLine(body, "Via"), ""},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s: got %q, want %q", ck.name, ck.got, ck.want)
		}
	}
	up, err := c.Post("http://"+asked+"/upload", "application/octet-stream", strings.NewReader(strings.Repeat("x", 123456)))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer up.Body.Close()
	if got, _ := io.ReadAll(up.Body); string(got) != "123456" {
		t.Errorf("origin received %q bytes, want 123456", got)
	}
	if n := d.dials(asked); n != 1 {
		t.Errorf("tunnels dialed for 5 requests on one connection: got %d, want 1", n)
	}
}

// headerLine finds a field in a header block the origin echoed back.
func headerLine(block []byte, name string) string {
	for _, line := range strings.Split(string(block), "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// rawRequest sends a raw request head to the HTTP listener and parses the
// response.
func rawRequest(t testing.TB, addr, head string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial gateway: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatalf("write request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", firstLine(head), err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\r\n"); return l }

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestHTTPAuth(t *testing.T) {
	origin, _ := startHTTPOrigin(t, false)
	d := newTestDialer()
	d.route(origin.Listener.Addr().String(), origin.Listener.Addr().String())
	gw := startGateway(t, Config{Username: "buyer", Password: "s3cret"}, d)
	target := origin.Listener.Addr().String()
	tests := []struct {
		name, method, auth string
		want               int
	}{
		{"forward without credentials", "GET", "", http.StatusProxyAuthRequired},
		{"forward wrong password", "GET", basic("buyer", "nope"), http.StatusProxyAuthRequired},
		{"forward other scheme", "GET", "Bearer s3cret", http.StatusProxyAuthRequired},
		{"forward bad base64", "GET", "Basic !!!", http.StatusProxyAuthRequired},
		{"forward right", "GET", basic("buyer", "s3cret"), http.StatusOK},
		{"connect without credentials", "CONNECT", "", http.StatusProxyAuthRequired},
		{"connect right", "CONNECT", basic("buyer", "s3cret"), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri := "http://" + target + "/bytes?n=10"
			if tt.method == "CONNECT" {
				uri = target
			}
			head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\n", tt.method, uri, target)
			if tt.auth != "" {
				head += "Proxy-Authorization: " + tt.auth + "\r\n"
			}
			resp := rawRequest(t, gw.http, head+"\r\n")
			if resp.StatusCode != tt.want {
				t.Fatalf("status got %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusProxyAuthRequired && !strings.HasPrefix(resp.Header.Get("Proxy-Authenticate"), "Basic") {
				t.Errorf("Proxy-Authenticate got %q, want a Basic challenge", resp.Header.Get("Proxy-Authenticate"))
			}
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	d := newTestDialer()
	d.fail("nxdomain.test:443", &exitError{status: "dns_error"})
	d.fail("slow.test:443", &exitError{status: "connection_timeout"})
	d.fail("refused.test:80", &exitError{status: "connection_refused"})
	d.fail("bad.test:80", &exitError{status: "bad\"token"})
	d.fail("plain.test:80", errors.New("exit went away"))
	gw := startGateway(t, Config{}, d)
	_, self := hostPort(t, gw.http)
	tests := []struct {
		name, head string
		want       int
		wantType   string
	}{
		{"prohibited connect", "CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\n\r\n", 403, "destination_ip_prohibited"},
		{"dns error", "CONNECT nxdomain.test:443 HTTP/1.1\r\nHost: nxdomain.test:443\r\n\r\n", 502, "dns_error"},
		{"timeout", "CONNECT slow.test:443 HTTP/1.1\r\nHost: slow.test:443\r\n\r\n", 504, "connection_timeout"},
		{"refused forward", "GET http://refused.test/ HTTP/1.1\r\nHost: refused.test\r\n\r\n", 502, "connection_refused"},
		{"malformed status token", "GET http://bad.test/ HTTP/1.1\r\nHost: bad.test\r\n\r\n", 502, "proxy_internal_error"},
		{"plain dial error", "GET http://plain.test/ HTTP/1.1\r\nHost: plain.test\r\n\r\n", 502, "proxy_internal_error"},
		{"origin-form request", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "http_request_error"},
		{"https absolute URI", "GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "http_request_error"},
		{"connect without port", "CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", 400, "http_request_error"},
		{"malformed request line", "HELLO\r\n\r\n", 400, "http_request_error"},
		{"forward to gateway", "GET http://127.0.0.1:" + self + "/ HTTP/1.1\r\nHost: x\r\n\r\n", 403, "proxy_loop_detected"},
		{"connect to gateway", "CONNECT localhost:" + self + " HTTP/1.1\r\nHost: x\r\n\r\n", 403, "proxy_loop_detected"},
		{"huge head", "GET http://example.com/ HTTP/1.1\r\nX-Big: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\n", 431, "http_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := rawRequest(t, gw.http, tt.head)
			if resp.StatusCode != tt.want {
				t.Errorf("status got %d, want %d", resp.StatusCode, tt.want)
			}
			ps := resp.Header.Get("Proxy-Status")
			wantPrefix := "sparelink-gateway; error=" + tt.wantType + "; details=\""
			if !strings.HasPrefix(ps, wantPrefix) || !strings.HasSuffix(ps, "\"") {
				t.Errorf("Proxy-Status got %q, want prefix %q", ps, wantPrefix)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.HasPrefix(string(body), fmt.Sprint(tt.want)) {
				t.Errorf("body got %q, want a short text starting with the status", body)
			}
		})
	}
}

func TestHTTPForwardFraming(t *testing.T) {
	origin, _ := startHTTPOrigin(t, false)
	target := origin.Listener.Addr().String()
	d := newTestDialer()
	d.route(target, target)
	gw := startGateway(t, Config{}, d)
	tests := []struct {
		name, head   string
		wantChunked  bool
		wantBody     string
		wantContinue bool
	}{
		{
			name:        "HTTP/1.1 client gets the chunked body",
			head:        "GET http://" + target + "/bytes?n=5000 HTTP/1.1\r\nHost: x\r\n\r\n",
			wantChunked: true, wantBody: string(pattern(5000)),
		},
		{
			name:     "HTTP/1.0 client gets a close-delimited body",
			head:     "GET http://" + target + "/bytes?n=5000 HTTP/1.0\r\n\r\n",
			wantBody: string(pattern(5000)),
		},
		{
			name:         "Expect 100-continue is answered by the gateway",
			head:         "POST http://" + target + "/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
			wantContinue: true, wantBody: "5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.DialTimeout("tcp", gw.http, 5*time.Second)
			if err != nil {
				t.Fatalf("dial gateway: %v", err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, tt.head)
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("read response: %v", err)
			}
			if got := resp.StatusCode == http.StatusContinue; got != tt.wantContinue {
				t.Fatalf("interim 100 Continue: got %v, want %v", got, tt.wantContinue)
			}
			if tt.wantContinue {
				io.WriteString(c, "hello")
				if resp, err = http.ReadResponse(br, nil); err != nil {
					t.Fatalf("read final response: %v", err)
				}
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			chunked := len(resp.TransferEncoding) > 0
			if resp.StatusCode != http.StatusOK || chunked != tt.wantChunked || string(body) != tt.wantBody {
				t.Errorf("got status %d, chunked %v, %d body bytes; want 200, chunked %v, %d bytes",
					resp.StatusCode, chunked, len(body), tt.wantChunked, len(tt.wantBody))
			}
		})
	}
}
