package reach

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// DefaultRouteFile is where Linux lists IPv4 routes.
const DefaultRouteFile = "/proc/net/route"

// Route flags of /proc/net/route.
const (
	rtfUp      = 0x1
	rtfGateway = 0x2
)

// defaultGateway reads the default IPv4 gateway from a route file.
func defaultGateway(path string) (netip.Addr, error) {
	f, err := os.Open(path)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %v", ErrNoGateway, err)
	}
	defer f.Close()
	return ParseRoutes(f)
}

// ParseRoutes finds the default route's gateway in /proc/net/route text:
// a header line, then one route per line with the destination, gateway
// and mask in hexadecimal, in the kernel's byte order.
func ParseRoutes(r io.Reader) (netip.Addr, error) {
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
			continue
		}
		flags, err := strconv.ParseUint(f[3], 16, 16)
		if err != nil || flags&(rtfUp|rtfGateway) != rtfUp|rtfGateway {
			continue
		}
		if gw, ok := hexAddr(f[2]); ok {
			return gw, nil
		}
	}
	if err := sc.Err(); err != nil {
		return netip.Addr{}, fmt.Errorf("read routes: %w", err)
	}
	return netip.Addr{}, ErrNoGateway
}

// hexAddr decodes an address the kernel printed as a native-endian
// 32-bit number in hexadecimal.
func hexAddr(s string) (netip.Addr, bool) {
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != 4 {
		return netip.Addr{}, false
	}
	v := binary.BigEndian.Uint32(raw)
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], v)
	a := netip.AddrFrom4(b)
	return a, !a.IsUnspecified()
}
