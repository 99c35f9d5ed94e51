package reach

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func FuzzParsePCPMapReply(f *testing.F) {
	ok := pcpMapRequest(netip.MustParseAddr("192.168.1.20"), [12]byte{7}, 4433, 4433, time.Hour)
	ok[1] |= pcpResponseBit
	f.Add(ok)
	f.Add([]byte{0, 129, 0, 1, 0, 0, 0, 0})
	f.Add(ok[:24])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParsePCPMapReply(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, errPCPUnsupported) {
				t.Fatalf("error %v is neither ErrMalformed nor errPCPUnsupported", err)
			}
			return
		}
		if r.Result == resultSuccess && (len(b) < pcpHeaderN+pcpMapN || !r.External.IsValid()) {
			t.Fatalf("success from %d bytes with external %v", len(b), r.External)
		}
	})
}
