package node

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// spoolTimeout bounds one read or write of the spool by the uploader.
const spoolTimeout = 10 * time.Second

// uploader feeds Flush: it issues receipts for leases whose counts outgrew
// their hash chain (those no receipt stream serves: stock clients, or a
// buyer that went away), keeps them in the spool, and hands Flush what the
// broker does not have yet. A batch counts as delivered when the next
// Flush starts without retry having been called for it; until then it
// stays in the spool, and a node that crashes sends it again, which the
// broker ignores.
type uploader struct {
	sp    *spool
	iss   *receipt.Issuer
	meter *meter.Meter
	log   *zap.Logger

	issued atomic.Int64 // receipts issued here, for ReceiptCollectors

	mu       sync.Mutex
	inFlight []*receipt.Receipt
}

func newUploader(cfg Config, m *meter.Meter, log *zap.Logger) (*uploader, error) {
	sp, err := openSpool(cfg.Spool)
	if err != nil {
		return nil, err
	}
	iss := receipt.NewIssuer(cfg.Key.Private, cfg.Key.NodeID(), nil)
	return &uploader{sp: sp, iss: iss, meter: m, log: log}, nil
}

// resume seeds the meter and the exit with the spool's last receipts, so
// that counts, hash chains and exposure windows continue after a restart.
func (u *uploader) resume(ctx context.Context, e *quicexit.Exit) error {
	own, countersigned, err := u.sp.heads(ctx)
	if err != nil {
		return err
	}
	for _, r := range own {
		c := u.meter.Lease(r.LeaseID)
		t := c.Totals()
		c.AddUp(max(r.Up-t.Up, 0))
		c.AddDown(max(r.Down-t.Down, 0))
		e.ResumeReceipts(r, nil)
	}
	for _, r := range countersigned {
		e.ResumeReceipts(nil, r)
	}
	return nil
}

// next confirms the last batch, issues receipts for grown counts and
// returns up to maxReceipts receipts to upload.
func (u *uploader) next() []*receipt.Receipt {
	ctx, cancel := context.WithTimeout(context.Background(), spoolTimeout)
	defer cancel()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.inFlight) > 0 {
		if err := u.sp.uploaded(ctx, u.inFlight); err != nil {
			u.log.Warn("receipt spool", zap.Error(err))
		}
		u.inFlight = nil
	}
	for _, id := range u.meter.LeaseIDs() {
		if r, fresh := u.iss.Issue(id, u.meter.Lease(id).Totals()); fresh {
			u.issued.Add(1)
			if err := u.sp.Issued(r); err != nil {
				u.log.Warn("receipt spool", zap.Error(err))
			}
		}
	}
	batch, err := u.sp.pending(ctx, maxUpload)
	if err != nil {
		u.log.Warn("receipt spool", zap.Error(err))
	}
	u.inFlight = batch
	return batch
}

// retry keeps batch in the spool for the next upload.
func (u *uploader) retry([]*receipt.Receipt) {
	u.mu.Lock()
	u.inFlight = nil
	u.mu.Unlock()
}

// close closes the spool.
func (u *uploader) close() error { return u.sp.close() }

// maxUpload is the broker's largest receipt batch.
const maxUpload = 500
