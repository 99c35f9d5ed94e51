package gateway

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// udpEcho is a UDP destination on loopback answering "re:" and the query.
func udpEcho(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("udp origin: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			_, _ = c.WriteToUDP(append([]byte("re:"), buf[:n]...), from)
		}
	}()
	t.Cleanup(func() { c.Close(); wg.Wait() })
	return c
}

// udpClient is a SOCKS5 UDP client written from RFC 1928 §7: a control
// connection and a UDP socket sending to the relay the gateway named.
type udpClient struct {
	ctl   net.Conn
	conn  *net.UDPConn
	relay *net.UDPAddr
}

// associate opens a UDP association through the gateway at addr, with
// user and password when user is not empty.
func associate(t testing.TB, addr, user, pass string) *udpClient {
	t.Helper()
	ctl, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial gateway: %v", err)
	}
	t.Cleanup(func() { ctl.Close() })
	_ = ctl.SetDeadline(time.Now().Add(10 * time.Second))
	greet := []byte{socksVersion, 1, methodNoAuth}
	if user != "" {
		greet = []byte{socksVersion, 1, methodUserPass}
	}
	mustWrite(t, ctl, greet)
	mustRead(t, ctl, []byte{socksVersion, greet[2]})
	if user != "" {
		b := append([]byte{userPassVersion, byte(len(user))}, user...)
		mustWrite(t, ctl, append(append(b, byte(len(pass))), pass...))
		mustRead(t, ctl, []byte{userPassVersion, 0})
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	// DST names the client's own UDP address, as RFC 1928 asks.
	lp := uint16(conn.LocalAddr().(*net.UDPAddr).Port)
	mustWrite(t, ctl, []byte{socksVersion, cmdUDPAssociate, 0, atypIPv4, 127, 0, 0, 1, byte(lp >> 8), byte(lp)})
	rep := make([]byte, 10)
	if _, err := io.ReadFull(ctl, rep); err != nil {
		t.Fatalf("read associate reply: %v", err)
	}
	if rep[1] != repSucceeded || rep[3] != atypIPv4 {
		t.Fatalf("associate reply got % x, want success with an IPv4 address", rep)
	}
	relay := &net.UDPAddr{IP: net.IP(rep[4:8]), Port: int(binary.BigEndian.Uint16(rep[8:]))}
	return &udpClient{ctl: ctl, conn: conn, relay: relay}
}

// ask sends payload to host:port through the relay and returns the
// answer's header address and payload.
func (u *udpClient) ask(t testing.TB, host string, port uint16, payload string) (string, string) {
	t.Helper()
	pkt := appendUDPHeader(nil, host, port)
	if _, err := u.conn.WriteToUDP(append(pkt, payload...), u.relay); err != nil {
		t.Fatalf("send datagram: %v", err)
	}
	_ = u.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64<<10)
	n, err := u.conn.Read(buf)
	if err != nil {
		t.Fatalf("read answer for %q: %v", payload, err)
	}
	d, err := parseUDPDatagram(buf[:n])
	if err != nil {
		t.Fatalf("answer header: %v", err)
	}
	return net.JoinHostPort(d.host, itoa(d.port)), string(d.payload)
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

func mustWrite(t testing.TB, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func mustRead(t testing.TB, c net.Conn, want []byte) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read got % x (%v), want % x", got, err, want)
	}
}

func TestUDPAssociate(t *testing.T) {
	origin := udpEcho(t)
	oport := uint16(origin.LocalAddr().(*net.UDPAddr).Port)
	tests := []struct {
		name       string
		cfg        Config
		user, pass string
		host       string // as the client names the destination
	}{
		{name: "ipv4", host: "127.0.0.1"},
		{name: "domain stays unresolved", host: "echo.sparelink.test"},
		{name: "with credentials", cfg: Config{Username: "buyer", Password: "s3cret"}, user: "buyer", pass: "s3cret", host: "echo.sparelink.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDialer()
			asked := net.JoinHostPort(tt.host, itoa(oport))
			d.route(asked, origin.LocalAddr().String())
			gw := startGateway(t, tt.cfg, d)
			u := associate(t, gw.socks, tt.user, tt.pass)
			for _, q := range []string{"one", "two", "three"} {
				from, got := u.ask(t, tt.host, oport, q)
				if from != asked || got != "re:"+q {
					t.Errorf("answer got %q from %s, want %q from %s", got, from, "re:"+q, asked)
				}
			}
			if n := d.dials(asked); n != 1 {
				t.Errorf("dialer asked %d times for %s, want 1 flow for every datagram", n, asked)
			}
			wantCounts(t, gw, int64(len("onetwothree")), int64(len("re:one")+len("re:two")+len("re:three")))
		})
	}
}

func TestUDPAssociateDropsStrangers(t *testing.T) {
	origin := udpEcho(t)
	oport := uint16(origin.LocalAddr().(*net.UDPAddr).Port)
	d := newTestDialer()
	d.route(origin.LocalAddr().String(), origin.LocalAddr().String())
	gw := startGateway(t, Config{}, d)
	u := associate(t, gw.socks, "", "")
	stranger, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	pkt := append(appendUDPHeader(nil, "127.0.0.1", oport), "sneak"...)
	if _, err := stranger.WriteToUDP(pkt, u.relay); err != nil {
		t.Fatal(err)
	}
	_ = stranger.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := stranger.Read(make([]byte, 100)); err == nil {
		t.Errorf("a stranger got %d bytes through another client's association", n)
	}
	if _, got := u.ask(t, "127.0.0.1", oport, "mine"); got != "re:mine" {
		t.Errorf("client's answer got %q, want %q", got, "re:mine")
	}
	// Closing the control connection ends the association.
	u.ctl.Close()
	eventually(t, "the relay socket to close", func() bool {
		_, _ = u.conn.WriteToUDP(append(appendUDPHeader(nil, "127.0.0.1", oport), "late"...), u.relay)
		_ = u.conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := u.conn.Read(make([]byte, 100))
		return err != nil
	})
}

func TestUDPAssociationEndsWithGateway(t *testing.T) {
	origin := udpEcho(t)
	oport := uint16(origin.LocalAddr().(*net.UDPAddr).Port)
	d := newTestDialer()
	d.route(origin.LocalAddr().String(), origin.LocalAddr().String())
	before := runtime.NumGoroutine()
	g, err := New(Config{}, d, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, err := g.ListenSOCKS5("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := associate(t, addr.String(), "", "")
	if _, got := u.ask(t, "127.0.0.1", oport, "hi"); got != "re:hi" {
		t.Fatalf("answer got %q, want %q", got, "re:hi")
	}
	if err := g.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	u.ctl.Close()
	eventually(t, "the association's goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}
