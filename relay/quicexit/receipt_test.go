package quicexit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/receipt"
)

// buyerKey returns a fresh buyer key pair.
func buyerKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("buyer key: %v", err)
	}
	return pub, priv
}

// openReceipts opens a receipt stream and returns it with the status.
func (c *client) openReceipts(t testing.TB, token string) (*http3.RequestStream, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	str, err := c.cc.OpenRequestStream(ctx)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	t.Cleanup(func() { str.CancelRead(0); str.Close() })
	req := &http.Request{Method: http.MethodConnect, Proto: ReceiptProtocol, Host: "exit",
		URL:    &url.URL{Scheme: "https", Host: "exit", Path: "/"},
		Header: http.Header{"Proxy-Authorization": {"Bearer " + token}}}
	if err := str.SendRequestHeader(req); err != nil {
		t.Fatalf("send request: %v", err)
	}
	rsp, err := str.ReadResponse()
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return str, rsp.StatusCode
}

// countersignAll countersigns every receipt on str with key until the
// stream ends, and reports the receipts it saw.
func countersignAll(str *http3.RequestStream, key ed25519.PrivateKey, seen chan<- *receipt.Receipt) {
	for {
		r, err := receipt.ReadFrame(str)
		if err != nil {
			return
		}
		r.Countersign(key)
		if receipt.WriteFrame(str, r) != nil {
			return
		}
		if seen == nil {
			continue
		}
		select {
		case seen <- r:
		default:
		}
	}
}

// send writes n bytes into a tunnel to the discarding origin in the
// background and reports the result.
func send(str *http3.RequestStream, n int) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := str.Write(make([]byte, n))
		if err == nil {
			err = str.Close()
		}
		if err == nil {
			_, err = io.ReadFull(str, make([]byte, 1))
		}
		done <- err
	}()
	return done
}

func TestExposureWindow(t *testing.T) {
	const window = 256 << 10
	tests := []struct {
		name  string
		pays  bool
		total int
	}{
		{"buyer countersigns", true, 4 << 20},
		{"buyer never countersigns", false, 4 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvWith(t, newOrigin(t, false), Options{ExposureWindow: window, ReceiptInterval: 100 * time.Millisecond}, systemClock{})
			pub, priv := buyerKey(t)
			tok := e.token(t, func(c *lease.Claims) { c.BuyerKey = pub })
			c := dialExit(t, e.addr, e.key.Public())
			rs, status := c.openReceipts(t, tok)
			if status != http.StatusOK {
				t.Fatalf("receipt stream: got status %d, want 200", status)
			}
			seen := make(chan *receipt.Receipt, 1)
			if tt.pays {
				go countersignAll(rs, priv, seen)
			}
			done := send(c.connect(t, e.origin.addr(), tok), tt.total)
			select {
			case err := <-done:
				if !tt.pays || err != nil {
					t.Fatalf("transfer ended with %v, want paying=%v to decide", err, tt.pays)
				}
				if got := e.meter.Lease(leaseOf(t)).Totals().Up; got != int64(tt.total) {
					t.Fatalf("exit counted %d up, want %d", got, tt.total)
				}
			case <-time.After(3 * time.Second):
				if tt.pays {
					t.Fatal("paying buyer's transfer did not finish")
				}
				if got := e.meter.Lease(leaseOf(t)).Totals().Sum(); got > window {
					t.Fatalf("exit carried %d bytes without countersignatures, want at most %d", got, window)
				}
				if _, rsp := c.request(t, http.MethodConnect, e.origin.addr(), tok); rsp.StatusCode != http.StatusPaymentRequired {
					t.Fatalf("new tunnel while unpaid: got %d, want 402", rsp.StatusCode)
				}
				// Paying now releases the paused tunnel.
				go countersignAll(rs, priv, seen)
				if err := <-done; err != nil {
					t.Fatalf("transfer after paying: %v", err)
				}
			}
			if s := e.exit.Stats().Receipts; s.Countersigned == 0 || s.Rejected != 0 {
				t.Fatalf("got receipt stats %+v, want countersignatures and no rejections", s)
			}
		})
	}
}

func TestReceiptStreamRefuses(t *testing.T) {
	e := newEnv(t, newOrigin(t, false))
	pub, _ := buyerKey(t)
	_, wrong := buyerKey(t)
	c := dialExit(t, e.addr, e.key.Public())
	if _, status := c.openReceipts(t, e.token(t, nil)); status != http.StatusBadRequest {
		t.Fatalf("stream for a lease without buyer key: got %d, want 400", status)
	}
	tok := e.token(t, func(c *lease.Claims) { c.BuyerKey = pub })
	rs, status := c.openReceipts(t, tok)
	if status != http.StatusOK {
		t.Fatalf("receipt stream: got %d, want 200", status)
	}
	done := send(c.connect(t, e.origin.addr(), tok), 64<<10)
	if err := <-done; err != nil {
		t.Fatalf("transfer: %v", err)
	}
	r, err := receipt.ReadFrame(rs)
	if err != nil {
		t.Fatalf("read receipt: %v", err)
	}
	if err := r.Verify(e.key.Public()); err != nil || r.LeaseID != leaseOf(t) {
		t.Fatalf("receipt for %s: Verify() = %v", r.LeaseID, err)
	}
	r.Countersign(wrong)
	if err := receipt.WriteFrame(rs, r); err != nil {
		t.Fatalf("write receipt: %v", err)
	}
	waitFor(t, "the wrong countersignature to be refused", func() bool { return e.exit.Stats().Receipts.Rejected == 1 })
	if got := e.exit.Stats().Receipts.Countersigned; got != 0 {
		t.Fatalf("got %d countersignatures counted, want 0", got)
	}
}
