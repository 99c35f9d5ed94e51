package gateway

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
)

// SOCKS5 wire constants (RFC 1928, RFC 1929).
const (
	socksVersion     = 0x05
	userPassVersion  = 0x01
	methodNoAuth     = 0x00
	methodUserPass   = 0x02
	methodNoneUsable = 0xff
	cmdConnect       = 0x01
	cmdBind          = 0x02
	cmdUDPAssociate  = 0x03
	atypIPv4         = 0x01
	atypDomain       = 0x03
	atypIPv6         = 0x04
)

// errSOCKS marks a malformed SOCKS5 exchange.
var errSOCKS = errors.New("socks5 protocol error")

// socksRequest is a parsed SOCKS5 request.
type socksRequest struct {
	cmd  byte
	host string // IP literal or domain name, never resolved here
	port uint16
}

// readGreeting reads the client's version and offered methods.
func readGreeting(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("read greeting: %w", err)
	}
	if hdr[0] != socksVersion {
		return nil, fmt.Errorf("%w: version %#x", errSOCKS, hdr[0])
	}
	if hdr[1] == 0 {
		return nil, fmt.Errorf("%w: no methods offered", errSOCKS)
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(r, methods); err != nil {
		return nil, fmt.Errorf("read methods: %w", err)
	}
	return methods, nil
}

// readUserPass reads an RFC 1929 username/password request.
func readUserPass(r io.Reader) (user, pass []byte, err error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, nil, fmt.Errorf("read auth header: %w", err)
	}
	if hdr[0] != userPassVersion {
		return nil, nil, fmt.Errorf("%w: auth version %#x", errSOCKS, hdr[0])
	}
	if user, err = readBytes(r, int(hdr[1])); err != nil {
		return nil, nil, fmt.Errorf("read username: %w", err)
	}
	if _, err := io.ReadFull(r, hdr[:1]); err != nil {
		return nil, nil, fmt.Errorf("read password length: %w", err)
	}
	if pass, err = readBytes(r, int(hdr[0])); err != nil {
		return nil, nil, fmt.Errorf("read password: %w", err)
	}
	return user, pass, nil
}

func readBytes(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

// credentialsMatch compares in constant time for equal lengths.
func credentialsMatch(user, pass []byte, wantUser, wantPass string) bool {
	u := subtle.ConstantTimeCompare(user, []byte(wantUser))
	p := subtle.ConstantTimeCompare(pass, []byte(wantPass))
	return u&p == 1
}

// readRequest reads a request. On error it also returns the reply code
// the client should get.
func readRequest(r io.Reader) (socksRequest, byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return socksRequest{}, repGeneralFailure, fmt.Errorf("read request: %w", err)
	}
	if hdr[0] != socksVersion || hdr[2] != 0 {
		return socksRequest{}, repGeneralFailure, fmt.Errorf("%w: bad request header % x", errSOCKS, hdr[:3])
	}
	host, err := readAddr(r, hdr[3])
	if err != nil {
		code := repGeneralFailure
		if errors.Is(err, errSOCKS) {
			code = repAddrTypeNotSupport
		}
		return socksRequest{}, code, err
	}
	var port [2]byte
	if _, err := io.ReadFull(r, port[:]); err != nil {
		return socksRequest{}, repGeneralFailure, fmt.Errorf("read port: %w", err)
	}
	return socksRequest{cmd: hdr[1], host: host, port: binary.BigEndian.Uint16(port[:])}, 0, nil
}

// readAddr reads DST.ADDR of the given type.
func readAddr(r io.Reader, atyp byte) (string, error) {
	switch atyp {
	case atypIPv4:
		var a [4]byte
		if _, err := io.ReadFull(r, a[:]); err != nil {
			return "", fmt.Errorf("read IPv4 address: %w", err)
		}
		return netip.AddrFrom4(a).String(), nil
	case atypIPv6:
		var a [16]byte
		if _, err := io.ReadFull(r, a[:]); err != nil {
			return "", fmt.Errorf("read IPv6 address: %w", err)
		}
		return netip.AddrFrom16(a).String(), nil
	case atypDomain:
		var n [1]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return "", fmt.Errorf("read domain length: %w", err)
		}
		b, err := readBytes(r, int(n[0]))
		if err != nil {
			return "", fmt.Errorf("read domain: %w", err)
		}
		return string(b), nil
	default:
		return "", fmt.Errorf("%w: address type %#x", errSOCKS, atyp)
	}
}

// writeReply sends a reply. The bound address is always 0.0.0.0:0: the
// real one belongs to the exit and means nothing on this side.
func writeReply(w io.Writer, code byte) error {
	_, err := w.Write([]byte{socksVersion, code, 0, atypIPv4, 0, 0, 0, 0, 0, 0})
	return err
}

// refuseSOCKS answers a client over the connection limit as if no
// authentication method were acceptable, so it fails fast and cleanly.
func refuseSOCKS(c net.Conn) {
	_, _ = c.Write([]byte{socksVersion, methodNoneUsable})
}
