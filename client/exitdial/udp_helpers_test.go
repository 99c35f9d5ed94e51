package exitdial

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/sparelink/sparelink/internal/identity"
)

// answerPrefix starts every answer of a udpOrigin, so that answers and
// queries differ in size and the meter's directions can be told apart.
const answerPrefix = "answer:"

// udpOrigin is a UDP destination on loopback that answers each datagram
// with answerPrefix and the datagram.
type udpOrigin struct {
	conn *net.UDPConn
	wg   sync.WaitGroup
}

func newUDPOrigin(t testing.TB) *udpOrigin {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("udp origin listen: %v", err)
	}
	o := &udpOrigin{conn: conn}
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
		_, _ = o.conn.WriteToUDP(append([]byte(answerPrefix), buf[:n]...), from)
	}
}

// ask sends q on c and returns the answer, failing the test after 5s.
func ask(t testing.TB, c net.Conn, q string) string {
	t.Helper()
	if _, err := c.Write([]byte(q)); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, MaxUDPPayload+len(answerPrefix))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(buf[:n])
}

// startPlainExit runs an HTTP/3 server with the node key's certificate
// but without HTTP Datagrams, as an exit that only carries TCP would be.
// It answers every request 501.
func startPlainExit(t *testing.T) Exit {
	t.Helper()
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	tlsConf, err := key.ServerTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := quic.ListenAddr("127.0.0.1:0", http3.ConfigureTLSConfig(tlsConf), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http3.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotImplemented)
	})}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ServeListener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ln.Close()
		<-done
	})
	return Exit{NodeID: key.NodeID(), Addr: ln.Addr().String(), PublicKey: key.Public(), Token: "slt1.none"}
}
