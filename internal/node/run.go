package node

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// Run sends heartbeats, applies the revocations their answers carry,
// polls the control channel, refreshes the broker's token keys and
// uploads receipts until ctx is done, then uploads the last receipts.
func (n *Node) Run(ctx context.Context) error {
	hb := time.NewTicker(n.cfg.HeartbeatInterval)
	defer hb.Stop()
	rc := time.NewTicker(n.cfg.ReceiptInterval)
	defer rc.Stop()
	n.heartbeat(ctx)
	n.syncWireGuard(ctx)
	peers := time.NewTicker(peerSync)
	defer peers.Stop()
	ctl, stopControl := context.WithCancel(ctx)
	controlDone := make(chan struct{})
	go func() {
		defer close(controlDone)
		n.control(ctl)
	}()
	defer func() {
		stopControl()
		<-controlDone
	}()
	for {
		select {
		case <-ctx.Done():
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := n.Flush(flushCtx); err != nil {
				n.log.Warn("final receipt upload", zap.Error(err))
			}
			return nil
		case <-hb.C:
			n.heartbeat(ctx)
			n.refreshKeys(ctx)
		case <-n.beat:
			n.heartbeat(ctx)
		case <-peers.C:
			n.syncWireGuard(ctx)
		case <-rc.C:
			if err := n.Flush(ctx); err != nil && ctx.Err() == nil {
				n.log.Warn("receipt upload", zap.Error(err))
			}
		}
	}
}

// HeartbeatNow asks Run to send a heartbeat at once, so that the broker
// learns of a change of spare capacity without waiting for the next one.
func (n *Node) HeartbeatNow() {
	select {
	case n.beat <- struct{}{}:
	default:
	}
}

func (n *Node) refreshKeys(ctx context.Context) {
	keys, err := n.brokerKeys(ctx)
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("refresh broker token keys", zap.Error(err))
		}
		return
	}
	n.verifier.SetKeys(keys)
}

// Flush signs a receipt for every lease whose counts grew since the last
// upload and submits them to the broker. Receipts that fail to upload are
// issued again, with a newer sequence, on the next call.
func (n *Node) Flush(ctx context.Context) error {
	batch := n.receipts.next()
	if len(batch) == 0 {
		return nil
	}
	res, err := n.cfg.Broker.SubmitReceipts(ctx, batch)
	if err != nil {
		n.receipts.retry(batch)
		return err
	}
	var errs []error
	for _, r := range res.Results {
		if r.Error != "" {
			errs = append(errs, errors.New(r.LeaseID+": "+r.Error))
			continue
		}
		if r.Exhausted {
			n.exhausted(r.LeaseID)
		}
	}
	return errors.Join(errs...)
}

// Close stops the exit. It does not upload receipts; Run does that when its
// context ends.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.closeErr = n.exit.Close()
		n.closeErr = errors.Join(n.closeErr, n.receipts.close()) // see receipts.go
		if n.wg != nil {
			n.closeErr = errors.Join(n.closeErr, n.wg.Close())
		}
	})
	return n.closeErr
}
