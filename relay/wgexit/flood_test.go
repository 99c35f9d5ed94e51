package wgexit_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/conn/bindtest"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/tuntest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/soak"
	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// initiation builds one valid-looking handshake initiation to the exit
// from a key the exit does not know: its MAC1 is right (anyone can
// compute it from the exit's public key), so the exit must spend two
// Diffie-Hellman operations on it unless it is under load and asks for a
// cookie first.
func initiation(t *testing.T, exitPub [32]byte) []byte {
	t.Helper()
	binds := bindtest.NewChannelBinds()
	dev := device.NewDevice(tuntest.NewChannelTUN().TUN(), binds[0], device.NewLogger(device.LogLevelSilent, ""))
	t.Cleanup(dev.Close)
	key := wgtest.NewKey(t)
	conf := fmt.Sprintf("private_key=%s\npublic_key=%s\n", hex.EncodeToString(key[:]), hex.EncodeToString(exitPub[:]))
	if err := dev.IpcSet(conf); err != nil {
		t.Fatalf("flooder device: %v", err)
	}
	msg, err := dev.CreateMessageInitiation(dev.LookupPeer(exitPub))
	if err != nil {
		t.Fatalf("flooder initiation: %v", err)
	}
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, msg); err != nil || buf.Len() != device.MessageInitiationSize {
		t.Fatalf("flooder initiation: got %d bytes, %v; want %d", buf.Len(), err, device.MessageInitiationSize)
	}
	var macs device.CookieGenerator
	macs.Init(exitPub)
	packet := buf.Bytes()
	macs.AddMacs(packet)
	return packet
}

// flooder sends one initiation over and over from its own socket and
// counts the cookie replies that come back.
type flooder struct {
	pc      net.PacketConn
	sent    atomic.Int64
	cookies atomic.Int64
	wg      sync.WaitGroup
	stop    chan struct{}
}

func startFlood(t *testing.T, endpoint string, packet []byte) *flooder {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	to, err := net.ResolveUDPAddr("udp", endpoint)
	if err != nil {
		t.Fatal(err)
	}
	f := &flooder{pc: pc, stop: make(chan struct{})}
	f.wg.Go(func() { f.listen() })
	f.wg.Go(func() { f.send(packet, to) })
	t.Cleanup(f.halt)
	return f
}

// send writes bursts of the packet until halted.
func (f *flooder) send(packet []byte, to net.Addr) {
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		for range 256 {
			if _, err := f.pc.WriteTo(packet, to); err == nil {
				f.sent.Add(1)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// listen counts cookie replies (message type 3).
func (f *flooder) listen() {
	buf := make([]byte, 256)
	for {
		n, _, err := f.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if n >= 4 && binary.LittleEndian.Uint32(buf[:4]) == device.MessageCookieReplyType {
			f.cookies.Add(1)
		}
	}
}

func (f *flooder) halt() {
	select {
	case <-f.stop:
		return
	default:
	}
	close(f.stop)
	f.pc.Close()
	f.wg.Wait()
}

// TestFloodCookies floods the exit with handshake initiations from an
// unknown key: wireguard-go must come under load and answer with cookie
// replies instead of handshakes, and an admitted buyer must still
// complete its handshake (answering the cookie) and fetch through the
// exit while the flood goes on.
func TestFloodCookies(t *testing.T) {
	canary := wgtest.StartCanary(t)
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr)
	pub, err := identity.ParseWireGuardKey([]byte(env.Exit.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	floods := soak.N(1, 4)
	var fs []*flooder
	for range floods {
		fs = append(fs, startFlood(t, env.Endpoint, initiation(t, pub)))
	}
	eventually(t, 10*time.Second, "cookie replies to the flood", func() (bool, string) {
		return fs[0].cookies.Load() > 0, fmt.Sprintf("%d initiations sent, no cookie reply", fs[0].sent.Load())
	})

	start := time.Now()
	buyer := env.Buyer(t, wgexit.Peer{LeaseID: "ls_flood"})
	// The buyer's first initiation may get a cookie reply; it answers
	// with its next one, a rekey timeout (5s) later, so allow a few.
	eventually(t, 45*time.Second, "a fetch through the flood", func() (bool, string) {
		n, err := fetch(t, buyer, canary, 1000)
		return err == nil && n == 1000, fmt.Sprintf("got %d bytes, %v; want 1000", n, err)
	})
	took := time.Since(start)
	var sent, cookies int64
	for _, f := range fs {
		f.halt()
		sent, cookies = sent+f.sent.Load(), cookies+f.cookies.Load()
	}
	t.Logf("buyer fetched through %d flooders in %v; %d initiations sent, %d cookie replies", floods, took, sent, cookies)
}
