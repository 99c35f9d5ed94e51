// Package linktun joins wireguard-go to a gVisor network stack: its
// Device is a tun.Device whose packets go in and out through a gVisor
// channel link endpoint. Unlike wireguard-go's tun/netstack it leaves the
// stack to its owner, who picks the protocols and options (promiscuous
// mode and forwarders for an exit, loopback traffic for a test client).
// It does not build or configure the stack.
package linktun

import (
	"context"
	"os"
	"sync"

	"golang.zx2c4.com/wireguard/tun"
	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// batch is how many packets one Read may return.
const batch = 64

// Device is the tun.Device wireguard-go writes decrypted packets to and
// reads outgoing packets from: the two ends of a gVisor channel link
// endpoint. It is safe for concurrent use.
type Device struct {
	ep     *channel.Endpoint
	mtu    int
	events chan tun.Event
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
}

var _ tun.Device = (*Device)(nil)

// New returns a Device on ep, whose MTU is mtu. Close closes ep.
func New(ep *channel.Endpoint, mtu int) *Device {
	t := &Device{ep: ep, mtu: mtu, events: make(chan tun.Event, 1)}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.events <- tun.EventUp
	return t
}

// File is nil: there is no kernel device.
func (t *Device) File() *os.File { return nil }

// Read waits for the stack's next outbound packet, then takes whatever
// else is queued, up to len(bufs).
func (t *Device) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	pkt := t.ep.ReadContext(t.ctx)
	if pkt == nil {
		return 0, os.ErrClosed
	}
	n := 0
	for pkt != nil {
		if copyPacket(pkt, bufs[n][offset:], &sizes[n]) {
			n++
		}
		if n == len(bufs) {
			break
		}
		pkt = t.ep.Read()
	}
	return n, nil
}

// copyPacket copies pkt into buf and releases it; a packet that does not
// fit is dropped.
func copyPacket(pkt *stack.PacketBuffer, buf []byte, size *int) bool {
	defer pkt.DecRef()
	if pkt.Size() > len(buf) {
		return false
	}
	view := pkt.ToView()
	defer view.Release()
	*size = copy(buf, view.AsSlice())
	return true
}

// Write hands each packet from a peer to the stack.
func (t *Device) Write(bufs [][]byte, offset int) (int, error) {
	if t.ctx.Err() != nil {
		return 0, os.ErrClosed
	}
	for _, b := range bufs {
		p := b[offset:]
		if len(p) == 0 {
			continue
		}
		var proto = header.IPv4ProtocolNumber
		switch p[0] >> 4 {
		case 4:
		case 6:
			proto = header.IPv6ProtocolNumber
		default:
			continue // not IP; wireguard-go already filters these
		}
		pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(p)})
		t.ep.InjectInbound(proto, pkt)
		pkt.DecRef()
	}
	return len(bufs), nil
}

// MTU is the tunnel MTU.
func (t *Device) MTU() (int, error) { return t.mtu, nil }

// Name names the device in wireguard-go's logs.
func (t *Device) Name() (string, error) { return "wgexit", nil }

// Events delivers EventUp once; it is closed by Close.
func (t *Device) Events() <-chan tun.Event { return t.events }

// BatchSize is how many packets a Read may return.
func (t *Device) BatchSize() int { return batch }

// Close ends Read and Write and closes the endpoint; the stack is left
// to its owner. It is idempotent.
func (t *Device) Close() error {
	t.once.Do(func() {
		t.cancel()
		t.ep.Close()
		close(t.events)
	})
	return nil
}
