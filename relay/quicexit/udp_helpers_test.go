package quicexit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
)

// udpOrigin is a UDP destination on loopback. It answers DNS-style
// queries (see dnsAnswer) or, with echo set, returns every datagram.
type udpOrigin struct {
	conn     *net.UDPConn
	echo     bool
	received atomic.Int64 // datagrams
	wg       sync.WaitGroup
}

func newUDPOrigin(t testing.TB, echo bool) *udpOrigin {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("udp origin listen: %v", err)
	}
	o := &udpOrigin{conn: conn, echo: echo}
	o.wg.Add(1)
	go o.serve()
	t.Cleanup(func() { conn.Close(); o.wg.Wait() })
	return o
}

func (o *udpOrigin) addr() string { return o.conn.LocalAddr().String() }

func (o *udpOrigin) serve() {
	defer o.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := o.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		o.received.Add(1)
		answer := buf[:n]
		if !o.echo {
			if answer = dnsAnswer(buf[:n]); answer == nil {
				continue
			}
		}
		_, _ = o.conn.WriteToUDP(answer, from)
	}
}

// answerIP is the address every dnsAnswer carries.
var answerIP = []byte{192, 0, 2, 53}

// dnsQuery builds a DNS query for an A record of name with the given ID.
func dnsQuery(id uint16, name string) []byte {
	q := binary.BigEndian.AppendUint16(nil, id)
	q = append(q, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; one question
	for _, label := range bytes.Split([]byte(name), []byte(".")) {
		q = append(q, byte(len(label)))
		q = append(q, label...)
	}
	return append(q, 0, 0, 1, 0, 1) // root; type A, class IN
}

// dnsAnswer answers a query with one A record, answerIP, or returns nil
// for anything that is not a one-question query.
func dnsAnswer(q []byte) []byte {
	if len(q) < 12 || q[2]&0x80 != 0 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	a := bytes.Clone(q)
	a[2] |= 0x80                                           // QR: a response
	a[3] = 0x80                                            // RA, no error
	binary.BigEndian.PutUint16(a[6:], 1)                   // one answer
	a = append(a, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4) // name at offset 12, A, IN, TTL 60s
	return append(a, answerIP...)
}

// newUDPEnv starts an exit whose egress allows exactly allow, with
// UDPIdleTimeout idle (zero for the default).
func newUDPEnv(t testing.TB, allow string, idle time.Duration) *env {
	t.Helper()
	return newUDPEnvWith(t, allow, Config{UDPIdleTimeout: idle}, systemClock{})
}

// newUDPEnvWith is newUDPEnv with cfg's UDPIdleTimeout and Options, and a
// clock for the exit's rates.
func newUDPEnvWith(t testing.TB, allow string, cfg Config, clk clock) *env {
	t.Helper()
	log := zap.NewNop()
	if _, bench := t.(*testing.B); !bench {
		log = zaptest.NewLogger(t)
	}
	rule, err := egress.ParseRule(allow)
	if err != nil {
		t.Fatalf("egress rule: %v", err)
	}
	policy, err := egress.New(egress.Config{Allow: []egress.Rule{rule}}, log)
	if err != nil {
		t.Fatalf("egress policy: %v", err)
	}
	e := &env{meter: new(meter.Meter)}
	if e.key, err = identity.Generate(); err != nil {
		t.Fatalf("node key: %v", err)
	}
	if e.signer, err = lease.NewSigningKey(); err != nil {
		t.Fatalf("signing key: %v", err)
	}
	e.verifier = lease.NewVerifier(map[string]ed25519.PublicKey{e.signer.KeyID: e.signer.Public()}, nil)
	cfg.Key, cfg.Verifier, cfg.Egress, cfg.Meter = e.key, e.verifier, policy, e.meter
	if e.exit, err = newExit(cfg, log, clk); err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.exit.Close() })
	addr, err := e.exit.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	e.addr = addr.String()
	return e
}

// dialUDPExit is an HTTP/3 client connection with HTTP Datagrams, as a
// CONNECT-UDP client has; datagrams false leaves them off.
func dialUDPExit(t testing.TB, addr string, pub ed25519.PublicKey, datagrams bool) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(ctx, addr, identity.PinnedTLSConfig(pub), &quic.Config{EnableDatagrams: datagrams})
	if err != nil {
		t.Fatalf("dial exit: %v", err)
	}
	t.Cleanup(func() { conn.CloseWithError(0, "") })
	cc := (&http3.Transport{EnableDatagrams: datagrams}).NewClientConn(conn)
	select {
	case <-cc.ReceivedSettings():
	case <-ctx.Done():
		t.Fatal("exit sent no SETTINGS")
	}
	return &client{conn: conn, cc: cc}
}

// udpPath expands the CONNECT-UDP template for target (host:port),
// percent-encoding every host byte outside RFC 3986's unreserved set.
func udpPath(target string) string {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return udpPathPrefix + target + "/"
	}
	var b bytes.Buffer
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte("-._~"), c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + string("0123456789ABCDEF"[c>>4]) + string("0123456789ABCDEF"[c&15]))
	}
	return udpPathPrefix + b.String() + "/" + port + "/"
}

// requestUDP sends a CONNECT-UDP request with the raw :path path; edit,
// when not nil, changes the request first.
func (c *client) requestUDP(t testing.TB, path, token string, edit func(*http.Request)) (*http3.RequestStream, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	str, err := c.cc.OpenRequestStream(ctx)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	t.Cleanup(func() { str.CancelRead(0); str.Close() })
	host := c.conn.RemoteAddr().String()
	req := &http.Request{
		Method: http.MethodConnect, Proto: udpProtocol, Host: host,
		URL:    &url.URL{Scheme: "https", Host: host, Opaque: path},
		Header: http.Header{"Capsule-Protocol": {"?1"}},
	}
	if token != "" {
		req.Header.Set("Proxy-Authorization", "Bearer "+token)
	}
	if edit != nil {
		edit(req)
	}
	if err := str.SendRequestHeader(req); err != nil {
		t.Fatalf("send request: %v", err)
	}
	rsp, err := str.ReadResponse()
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return str, rsp
}

// connectUDP opens a flow to target and fails the test unless the exit
// accepts it.
func (c *client) connectUDP(t testing.TB, target, token string) *http3.RequestStream {
	t.Helper()
	str, rsp := c.requestUDP(t, udpPath(target), token, nil)
	if rsp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT-UDP %s: got status %d (%s), want 200", target, rsp.StatusCode, rsp.Header.Get("Proxy-Status"))
	}
	return str
}

// exchange sends payload in a context-0 datagram and returns the first
// context-0 datagram that comes back within the timeout.
func exchange(t testing.TB, str *http3.RequestStream, payload []byte, timeout time.Duration) []byte {
	t.Helper()
	if err := str.SendDatagram(append([]byte{0}, payload...)); err != nil {
		t.Fatalf("send datagram: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		d, err := str.ReceiveDatagram(ctx)
		if err != nil {
			t.Fatalf("receive datagram: %v", err)
		}
		if p, ok := udpPayload(d); ok {
			return p
		}
	}
}
