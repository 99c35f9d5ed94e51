package quicexit

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/receipt"
)

// ReceiptProtocol is the :protocol of the extended CONNECT request
// (RFC 9220) with which a buyer opens a lease's receipt stream on its
// connection to the exit. See docs/metering.md.
const ReceiptProtocol = receipt.StreamProtocol

// receiptPoll is how often a receipt stream looks at the lease's counts.
const receiptPoll = 50 * time.Millisecond

// receiptError resets a receipt stream the buyer broke: a malformed frame
// or a countersignature that does not verify (H3_MESSAGE_ERROR).
const receiptError = quic.StreamErrorCode(http3.ErrCodeMessageError)

// receiptStream is one open receipt stream of a lease.
type receiptStream struct {
	e   *Exit
	a   *account
	str *http3.Stream
	log *zap.Logger
}

// serveReceipts runs one receipt stream: the exit sends the lease's
// receipts as it issues them and reads them back countersigned, until the
// buyer or the connection ends the stream.
func (e *Exit) serveReceipts(w http.ResponseWriter, r *http.Request) {
	c, ok := e.authorize(w, r)
	if !ok {
		return
	}
	a := e.account(c.LeaseID, c.BuyerKey)
	if a == nil {
		reject(w, http.StatusBadRequest, "http_request_error", "lease has no buyer key to countersign with")
		return
	}
	w.WriteHeader(http.StatusOK)
	str, err := takeStream(w)
	if err != nil {
		e.log.Debug("cannot take over receipt stream", zap.String("lease", c.LeaseID), zap.Error(err))
		return
	}
	s := &receiptStream{e: e, a: a, str: str, log: e.log.With(zap.String("lease", c.LeaseID))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.send(ctx)
	}()
	s.receive()
	cancel()
	<-done
	str.CancelWrite(quic.StreamErrorCode(http3.ErrCodeNoError))
}

// receive reads countersigned receipts until the stream ends or breaks.
func (s *receiptStream) receive() {
	for {
		rc, err := receipt.ReadFrame(s.str)
		if err != nil {
			s.log.Debug("receipt stream ended", zap.Error(err))
			s.str.CancelRead(receiptError)
			return
		}
		if err := s.accept(rc); err != nil {
			s.e.stats.countersignsRejected.Add(1)
			s.log.Warn("countersigned receipt refused", zap.Error(err))
			s.str.CancelRead(receiptError)
			return
		}
	}
}

// accept checks a countersigned receipt, has the sink keep it, and counts
// it as paid.
func (s *receiptStream) accept(rc *receipt.Receipt) error {
	if rc.LeaseID != s.a.lease || rc.NodeID != s.e.nodeID {
		return fmt.Errorf("%w: lease %q node %q on the stream of %s", receipt.ErrMismatch, rc.LeaseID, rc.NodeID, s.a.lease)
	}
	if err := rc.Verify(s.e.cfg.Key.Public()); err != nil {
		return err
	}
	if err := rc.VerifyCountersign(s.a.key); err != nil {
		return err
	}
	if sink := s.e.cfg.Receipts; sink != nil {
		if err := sink.Countersigned(rc); err != nil {
			return fmt.Errorf("keep countersigned receipt: %w", err)
		}
	}
	if s.a.ack(rc) {
		s.e.stats.countersigned.Add(1)
	}
	return nil
}

// send writes a receipt whenever the lease carried ReceiptBytes more,
// when ReceiptInterval passed with any traffic, and when a paused tunnel
// asks for one.
func (s *receiptStream) send(ctx context.Context) {
	t := time.NewTicker(receiptPoll)
	defer t.Stop()
	var sent uint64
	var sentSum int64
	var sentAt time.Time
	for {
		nudged := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.a.nudge:
			nudged = true
		}
		sum := s.a.counter.Totals().Sum()
		due := sum-sentSum >= s.e.cfg.ReceiptBytes || time.Since(sentAt) >= s.e.cfg.ReceiptInterval ||
			(nudged && (sum-sentSum >= s.e.cfg.ReceiptBytes/2 || s.a.exposure() >= s.e.cfg.ExposureWindow))
		if sum == sentSum || !due {
			continue
		}
		seq, err := s.issue()
		if err != nil {
			s.log.Debug("receipt not sent", zap.Error(err))
			s.str.CancelRead(receiptError) // ends receive too
			return
		}
		if seq != sent {
			sent, sentSum, sentAt = seq, sum, time.Now()
		}
	}
}

// issue signs a receipt for the lease's current counts, has the sink keep
// it, writes it to the stream and returns its Seq.
func (s *receiptStream) issue() (uint64, error) {
	r, fresh := s.e.issuer.Issue(s.a.lease, s.a.counter.Totals())
	if r == nil {
		return 0, nil
	}
	if fresh {
		s.e.stats.receiptsIssued.Add(1)
		if sink := s.e.cfg.Receipts; sink != nil {
			if err := sink.Issued(r); err != nil {
				return 0, fmt.Errorf("keep receipt: %w", err)
			}
		}
	}
	return r.Seq, receipt.WriteFrame(s.str, r)
}
