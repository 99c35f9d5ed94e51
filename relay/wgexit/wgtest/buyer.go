package wgtest

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
	"golang.zx2c4.com/wireguard/tun/netstack"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/wgexit"
)

// Buyer is a WireGuard client in the test process: a wireguard-go device
// on wireguard-go's userspace stack, listening on 127.0.0.1.
type Buyer struct {
	Key      identity.WireGuardKey
	Assigned wgexit.Assigned
	Config   string // the wg-quick text it was built from
	Net      *Net
	dev      *device.Device
	once     sync.Once
}

// Buyer admits a new key as peer p (its PublicKey is set here) and
// connects a client to it with the rendered configuration.
func (env *Env) Buyer(t testing.TB, p wgexit.Peer) *Buyer {
	t.Helper()
	key := NewKey(t)
	p.PublicKey = PublicKey(t, key)
	a, err := env.Exit.AddPeer(p)
	if err != nil {
		t.Fatalf("wgtest: add peer: %v", err)
	}
	b := Connect(t, env.Exit.Config(a, key.String(), env.Endpoint))
	b.Key, b.Assigned = key, a
	return b
}

// Connect starts a client from a wg-quick configuration. It returns once
// the device is up; the handshake happens with the first packet.
func Connect(t testing.TB, config string) *Buyer {
	t.Helper()
	q, err := ParseQuick(config)
	if err != nil {
		t.Fatalf("wgtest: parse config: %v\n%s", err, config)
	}
	addrs := make([]netip.Addr, len(q.Addresses))
	for i, p := range q.Addresses {
		addrs[i] = p.Addr()
	}
	tdev, tnet, err := newNet(addrs, q.MTU)
	if err != nil {
		t.Fatalf("wgtest: buyer stack: %v", err)
	}
	b := &Buyer{Config: config, Net: tnet, dev: startDevice(t, tdev, q)}
	t.Cleanup(b.Close)
	return b
}

// ConnectNetstack starts a client from a wg-quick configuration on
// wireguard-go's own tun/netstack, with the configuration's DNS servers,
// as an embedded stock client would. It cannot reach loopback
// destinations (see Net).
func ConnectNetstack(t testing.TB, config string) *netstack.Net {
	t.Helper()
	q, err := ParseQuick(config)
	if err != nil {
		t.Fatalf("wgtest: parse config: %v\n%s", err, config)
	}
	addrs := make([]netip.Addr, len(q.Addresses))
	for i, p := range q.Addresses {
		addrs[i] = p.Addr()
	}
	tdev, tnet, err := netstack.CreateNetTUN(addrs, q.DNS, q.MTU)
	if err != nil {
		t.Fatalf("wgtest: netstack: %v", err)
	}
	startDevice(t, tdev, q)
	return tnet
}

// startDevice runs a wireguard-go device on tdev, listening on
// 127.0.0.1, configured from q. It is closed when the test ends.
func startDevice(t testing.TB, tdev tun.Device, q Quick) *device.Device {
	t.Helper()
	dev := device.NewDevice(tdev, wgexit.NewAddrBind(netip.MustParseAddr("127.0.0.1")), device.NewLogger(device.LogLevelSilent, ""))
	t.Cleanup(dev.Close)
	uapi, err := q.UAPI()
	if err == nil {
		err = dev.IpcSet(uapi)
	}
	if err == nil {
		err = dev.Up()
	}
	if err != nil {
		t.Fatalf("wgtest: buyer device: %v", err)
	}
	return dev
}

// Close stops the client's device and stack; it is idempotent and also
// runs when the test ends.
func (b *Buyer) Close() {
	b.once.Do(func() {
		b.dev.Close()
		b.Net.close()
	})
}

// HTTPClient fetches through the tunnel, resolving names with the
// tunnel's DNS. It keeps no idle connections, so each request is a new
// flow at the exit.
func (b *Buyer) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext:       b.Net.DialContext,
		DisableKeepAlives: true,
	}}
}

// Dial opens a TCP connection through the tunnel to a literal address.
func (b *Buyer) Dial(ctx context.Context, addr string) (net.Conn, error) {
	return b.Net.DialContext(ctx, "tcp", addr)
}

// LastHandshake is when the client last completed a handshake with the
// exit; zero if never.
func (b *Buyer) LastHandshake(t testing.TB) time.Time {
	t.Helper()
	state, err := b.dev.IpcGet()
	if err != nil {
		t.Fatalf("wgtest: buyer state: %v", err)
	}
	for _, line := range strings.Split(state, "\n") {
		if v, ok := strings.CutPrefix(line, "last_handshake_time_sec="); ok {
			if sec, _ := strconv.ParseInt(v, 10, 64); sec != 0 {
				return time.Unix(sec, 0)
			}
		}
	}
	return time.Time{}
}
