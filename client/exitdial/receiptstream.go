package exitdial

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/receipt"
)

// receiptTick is how often a receipt stream retries a pending receipt.
const receiptTick = 50 * time.Millisecond

// openReceipts makes sure conn carries the lease's receipt stream. It is
// the hook the dials call after the exit accepted a tunnel on conn.
func (d *Dialer) openReceipts(conn *quic.Conn, cc *http3.ClientConn) {
	if d.exit.Receipts == nil {
		return
	}
	b := &d.buyer
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.streams[conn] {
		return
	}
	if b.streams == nil {
		b.streams = make(map[any]bool)
	}
	b.streams[conn] = true
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		d.runReceipts(conn, cc)
		b.mu.Lock()
		delete(b.streams, conn)
		b.mu.Unlock()
	}()
}

// runReceipts opens a receipt stream on conn and countersigns what the
// exit sends on it until the stream or the connection ends.
func (d *Dialer) runReceipts(conn *quic.Conn, cc *http3.ClientConn) {
	log := d.receiptLog()
	str, err := cc.OpenRequestStream(conn.Context())
	if err != nil {
		log.Debug("open receipt stream", zap.Error(err))
		return
	}
	defer str.CancelRead(noError)
	defer str.Close()
	rsp, err := roundTrip(str, d.receiptRequest())
	if err != nil {
		log.Debug("open receipt stream", zap.Error(err))
		return
	}
	if rsp.StatusCode != http.StatusOK {
		log.Warn("exit refused the receipt stream", zap.Error(proxyErrorFrom(rsp)))
		return
	}
	in := make(chan *receipt.Receipt)
	ctx, cancel := context.WithCancel(conn.Context())
	defer cancel()
	go func() {
		defer cancel()
		for {
			r, err := receipt.ReadFrame(str)
			if err != nil {
				return
			}
			select {
			case in <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	d.countersignLoop(ctx, str, in)
}

// countersignLoop checks each receipt from in and writes back those the
// buyer countersigns, retrying a pending one on every tick.
func (d *Dialer) countersignLoop(ctx context.Context, str *http3.RequestStream, in <-chan *receipt.Receipt) {
	t := time.NewTicker(receiptTick)
	defer t.Stop()
	for {
		var out *receipt.Receipt
		select {
		case <-ctx.Done():
			return
		case r := <-in:
			var err error
			if out, err = d.checkReceipt(r); err != nil {
				d.receiptLog().Warn("exit receipt refused", zap.Error(err))
			}
		case <-t.C:
			out = d.retryPending()
		}
		if out == nil {
			continue
		}
		if err := receipt.WriteFrame(str, out); err != nil {
			return
		}
	}
}

// receiptRequest builds the extended CONNECT that opens a receipt stream.
func (d *Dialer) receiptRequest() *http.Request {
	return &http.Request{
		Method: http.MethodConnect,
		Proto:  receipt.StreamProtocol,
		Host:   d.exit.Addr,
		URL:    &url.URL{Scheme: "https", Host: d.exit.Addr, Path: "/"},
		Header: http.Header{
			"Proxy-Authorization": {"Bearer " + d.currentToken()},
			"User-Agent":          {"sparelink-exitdial"},
		},
	}
}
