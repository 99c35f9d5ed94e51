package broker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/pion/stun/v4"
	"go.uber.org/zap"
)

// The broker's STUN server (RFC 8489), which agents and buyers use to
// learn their public address and ICE uses for server-reflexive
// candidates. It listens on two sockets, so that an agent can tell its
// NAT's behaviour apart (RFC 5780): a binding request to each shows
// whether the mapping depends on the destination, and a request with
// CHANGE-REQUEST is answered from the other socket, which shows whether
// the NAT lets in packets from an address the agent never sent to.

// STUN attributes of RFC 5780 that pion does not name.
const (
	attrChangeRequest  stun.AttrType = 0x0003
	attrResponseOrigin stun.AttrType = 0x802B
	attrOtherAddress   stun.AttrType = 0x802C
)

// CHANGE-REQUEST flags.
const (
	changeIP   = 0x4
	changePort = 0x2
)

// ErrNotBinding is a datagram that is not a STUN binding request.
var ErrNotBinding = errors.New("stun: not a binding request")

// STUNConfig configures the STUN server. Listen is required; AltListen,
// another port (and ideally another address) of the same host, enables
// the behaviour tests.
type STUNConfig struct {
	Listen, AltListen string
}

// STUNServer answers STUN binding requests.
type STUNServer struct {
	log   *zap.Logger
	socks []*net.UDPConn
	wg    sync.WaitGroup
	once  sync.Once
}

// ListenSTUN starts the STUN server. A nil log discards logs.
func ListenSTUN(cfg STUNConfig, log *zap.Logger) (*STUNServer, error) {
	if log == nil {
		log = zap.NewNop()
	}
	s := &STUNServer{log: log.Named("stun")}
	for _, addr := range []string{cfg.Listen, cfg.AltListen} {
		if addr == "" {
			continue
		}
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err == nil {
			var c *net.UDPConn
			if c, err = net.ListenUDP("udp", ua); err == nil {
				s.socks = append(s.socks, c)
				continue
			}
		}
		s.Close()
		return nil, fmt.Errorf("stun listen %s: %w", addr, err)
	}
	if len(s.socks) == 0 {
		return nil, errors.New("stun: STUNConfig.Listen is required")
	}
	for i := range s.socks {
		s.wg.Add(1)
		go s.serve(i)
	}
	s.log.Info("serving STUN", zap.Stringers("addrs", s.Addrs()))
	return s, nil
}

// Addrs are the sockets' addresses, the primary first.
func (s *STUNServer) Addrs() []netip.AddrPort {
	out := make([]netip.AddrPort, len(s.socks))
	for i, c := range s.socks {
		out[i] = c.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	return out
}

// Close stops the server and waits for it. It is idempotent.
func (s *STUNServer) Close() error {
	s.once.Do(func() {
		for _, c := range s.socks {
			c.Close()
		}
		s.wg.Wait()
	})
	return nil
}

// serve answers the requests arriving on socket i.
func (s *STUNServer) serve(i int) {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := s.socks[i].ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Warn("read", zap.Error(err))
			}
			return
		}
		req, err := ParseSTUNRequest(buf[:n])
		if err != nil {
			continue // not ours to answer
		}
		out := i
		if req.Change && len(s.socks) > 1 {
			out = 1 - i
		}
		resp, err := s.response(req, from, out)
		if err == nil {
			_, _ = s.socks[out].WriteToUDPAddrPort(resp, from)
		}
	}
}

// response builds the answer sent from socket out.
func (s *STUNServer) response(req STUNRequest, from netip.AddrPort, out int) ([]byte, error) {
	addrs := s.Addrs()
	setters := []stun.Setter{
		stun.NewTransactionIDSetter(req.TransactionID), stun.BindingSuccess,
		&stun.XORMappedAddress{IP: from.Addr().Unmap().AsSlice(), Port: int(from.Port())},
		addrAttr(attrResponseOrigin, addrs[out]),
	}
	if len(addrs) > 1 {
		setters = append(setters, addrAttr(attrOtherAddress, addrs[1-out]))
	}
	m, err := stun.Build(append(setters, stun.Fingerprint)...)
	if err != nil {
		return nil, fmt.Errorf("build STUN response: %w", err)
	}
	return m.Raw, nil
}

// addrAttr encodes an address attribute in MAPPED-ADDRESS form.
func addrAttr(t stun.AttrType, ap netip.AddrPort) stun.Setter {
	return stun.RawAttribute{Type: t, Value: mappedForm(ap)}
}

func mappedForm(ap netip.AddrPort) []byte {
	a := ap.Addr().Unmap()
	b := []byte{0, 1, 0, 0}
	if a.Is6() {
		b[1] = 2
	}
	binary.BigEndian.PutUint16(b[2:], ap.Port())
	return append(b, a.AsSlice()...)
}

// STUNRequest is a parsed binding request.
type STUNRequest struct {
	TransactionID [stun.TransactionIDSize]byte
	// Change asks for the answer from the other socket (CHANGE-REQUEST
	// with either flag: the server has one other socket).
	Change bool
}

// ParseSTUNRequest reads a binding request from the network.
func ParseSTUNRequest(b []byte) (STUNRequest, error) {
	if !stun.IsMessage(b) {
		return STUNRequest{}, ErrNotBinding
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if err := m.Decode(); err != nil {
		return STUNRequest{}, fmt.Errorf("%w: %v", ErrNotBinding, err)
	}
	if m.Type != stun.BindingRequest {
		return STUNRequest{}, fmt.Errorf("%w: %v", ErrNotBinding, m.Type)
	}
	req := STUNRequest{TransactionID: m.TransactionID}
	if v, err := m.Get(attrChangeRequest); err == nil {
		if len(v) != 4 {
			return STUNRequest{}, fmt.Errorf("%w: CHANGE-REQUEST of %d bytes", ErrNotBinding, len(v))
		}
		req.Change = binary.BigEndian.Uint32(v)&(changeIP|changePort) != 0
	}
	return req, nil
}
