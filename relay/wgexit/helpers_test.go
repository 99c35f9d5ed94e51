package wgexit_test

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
)

// startUDPEcho runs a UDP echo server on loopback until the test ends.
func startUDPEcho(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatalf("udp listen: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// roundTrip sends msg on conn and returns the datagram that comes back.
func roundTrip(t *testing.T, conn net.Conn, msg string) string {
	t.Helper()
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("read echo of %q: %v", msg, err)
	}
	return string(buf[:n])
}

func mustAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func fmtTotals(t meter.Totals) string { return fmt.Sprintf("up=%d down=%d", t.Up, t.Down) }

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
