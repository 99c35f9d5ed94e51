package egresstable

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
)

// startOrigin serves HTTP on host:0; every answer names the address it
// was served on, so a test can tell which origin a path reached.
func startOrigin(t *testing.T, host string) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("origin on %s: %v", host, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		fmt.Fprintf(w, "origin %s", local)
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// reasonOf returns the policy's refusal reason in err, or "".
func reasonOf(err error) egress.Reason {
	var d *egress.DeniedError
	if errors.As(err, &d) {
		return d.Reason
	}
	return ""
}

// hostRows are the machine's own non-loopback addresses, literally and
// in other spellings. Their refusal reason depends on the address (a
// public one is host-local, a private one private), so any built-in
// reason is accepted.
func hostRows(t *testing.T) []destination {
	t.Helper()
	addrs, err := localAddrs()
	if err != nil {
		t.Fatalf("list host addresses: %v", err)
	}
	var rows []destination
	for _, a := range addrs {
		switch {
		case a.IsLoopback():
		case a.Is6() && a.IsLinkLocalUnicast():
			// Reachable only with a zone, which no buyer can pass.
			rows = append(rows, destination{name: "host " + a.String(), host: "[" + a.String() + "]"})
		case a.Is6():
			rows = append(rows, destination{name: "host " + a.String(), host: "[" + a.String() + "]", lands: a.String()})
		default:
			rows = append(rows, hostV4Rows(a)...)
		}
	}
	return rows
}

func hostV4Rows(a netip.Addr) []destination {
	b := a.As4()
	n := binary.BigEndian.Uint32(b[:])
	s := a.String()
	return []destination{
		{name: "host " + s, host: s, lands: s},
		{name: "host " + s + " decimal", host: strconv.FormatUint(uint64(n), 10), lands: s},
		{name: "host " + s + " hex", host: "0x" + strconv.FormatUint(uint64(n), 16), lands: s},
		{name: "host " + s + " mapped", host: "[::ffff:" + s + "]", lands: s},
		{name: "host " + s + " nat64", host: fmt.Sprintf("[64:ff9b::%x:%x]", n>>16, n&0xffff)},
	}
}
