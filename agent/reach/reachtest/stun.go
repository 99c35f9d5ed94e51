package reachtest

import (
	"net/netip"
	"testing"

	"github.com/pion/stun/v4"
)

// STUNConfig chooses what the STUN server answers. The zero value answers
// every binding request with the address it came from, as a real server
// does.
type STUNConfig struct {
	// Mapped, when valid, is reported instead of the request's source, to
	// play a NAT between the client and the server.
	Mapped netip.AddrPort
	// Silent drops every request, as a network that blocks UDP would.
	Silent bool
}

// STUNServer is a STUN server on loopback.
type STUNServer struct{ *server }

// NewSTUNServer starts a STUN server that stops when the test ends.
func NewSTUNServer(tb testing.TB, cfg STUNConfig) *STUNServer {
	tb.Helper()
	return &STUNServer{listen(tb, func(req []byte, from netip.AddrPort) []byte {
		if cfg.Silent {
			return nil
		}
		mapped := from
		if cfg.Mapped.IsValid() {
			mapped = cfg.Mapped
		}
		return bindingSuccess(req, mapped)
	})}
}

// bindingSuccess answers a binding request, or returns nil for anything
// else.
func bindingSuccess(req []byte, mapped netip.AddrPort) []byte {
	m := new(stun.Message)
	if err := stun.Decode(req, m); err != nil || m.Type != stun.BindingRequest {
		return nil
	}
	resp, err := stun.Build(
		stun.NewTransactionIDSetter(m.TransactionID), stun.BindingSuccess,
		&stun.XORMappedAddress{IP: mapped.Addr().AsSlice(), Port: int(mapped.Port())},
		stun.Fingerprint,
	)
	if err != nil {
		return nil
	}
	return resp.Raw
}
