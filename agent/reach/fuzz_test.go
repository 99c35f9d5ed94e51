package reach

import (
	"strings"
	"testing"

	"github.com/pion/stun/v4"
)

// The replies below come from the network (STUN, NAT-PMP) or from a file
// any process can shape (routes): none may panic the parsers.

func FuzzParseBindingResponse(f *testing.F) {
	var tid [stun.TransactionIDSize]byte
	copy(tid[:], "fuzz-tid-123")
	ok := stun.MustBuild(stun.NewTransactionIDSetter(tid), stun.BindingSuccess,
		&stun.XORMappedAddress{IP: []byte{198, 51, 100, 7}, Port: 50000}, stun.Fingerprint)
	f.Add(ok.Raw)
	f.Add(ok.Raw[:20])
	f.Add([]byte("not stun at all"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ap, err := ParseBindingResponse(b, tid)
		if err == nil && !ap.IsValid() {
			t.Fatalf("accepted %x with an invalid address", b)
		}
	})
}

func FuzzParsePMPReply(f *testing.F) {
	f.Add([]byte{0, 128, 0, 0, 0, 0, 0, 9, 198, 51, 100, 7}, byte(0))
	f.Add([]byte{0, 129, 0, 0, 0, 0, 0, 1, 0x11, 0x51, 0x11, 0x52, 0, 0, 0x1c, 0x20}, byte(1))
	f.Add([]byte{0, 129}, byte(1))
	f.Fuzz(func(t *testing.T, b []byte, op byte) {
		r, err := ParsePMPReply(b, op)
		if err == nil && r.Op != op {
			t.Fatalf("reply to opcode %d parsed as opcode %d", op, r.Op)
		}
	})
}

func FuzzParseRoutes(f *testing.F) {
	f.Add(routeHeader + "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n")
	f.Add(routeHeader + "eth0\t00000000\tZZZZZZZZ\t0003\t0\t0\t100\t00000000\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		gw, err := ParseRoutes(strings.NewReader(text))
		if err == nil && (!gw.Is4() || gw.IsUnspecified()) {
			t.Fatalf("got gateway %v from %q, want a specified IPv4 address", gw, text)
		}
	})
}
