package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// Buyer keys: every lease the CLI buys gets its own Ed25519 key, whose
// public half goes to the broker as the lease's buyer_key; the gateway
// countersigns the exits' receipts with it (docs/metering.md). The
// private half stays on this machine, next to the login file, as
// leases/<lease ID>.key (mode 0600), so that "sparelink gateway --lease
// ID" can serve a lease "sparelink lease create" bought.

// withBuyerKey adds a fresh buyer key to req and returns its private
// half, to be saved with saveLeaseKey once the lease has an ID.
func withBuyerKey(req api.LeaseRequest) (api.LeaseRequest, ed25519.PrivateKey, error) {
	key, err := exitdial.NewBuyerKey()
	if err != nil {
		return req, nil, err
	}
	req.BuyerKey = base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	return req, key, nil
}

// leaseKeyPath is where the key of lease id is kept.
func (f *apiFlags) leaseKeyPath(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, `/\.`) {
		return "", fmt.Errorf("lease ID %q cannot name a key file", id)
	}
	login, err := f.path()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(login), "leases", id+".key"), nil
}

// saveLeaseKey keeps a lease's buyer key on this machine.
func (f *apiFlags) saveLeaseKey(id string, key ed25519.PrivateKey) error {
	path, err := f.leaseKeyPath(id)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save the key of lease %s: %w", id, err)
	}
	seed := base64.StdEncoding.EncodeToString(key.Seed())
	if err := identity.WriteSecretFile(path, []byte(seed+"\n")); err != nil {
		return fmt.Errorf("save the key of lease %s: %w", id, err)
	}
	return nil
}

// loadLeaseKey reads the key saveLeaseKey kept; ok is false when this
// machine has none for the lease.
func (f *apiFlags) loadLeaseKey(id string) (key ed25519.PrivateKey, ok bool, err error) {
	path, err := f.leaseKeyPath(id)
	if err != nil {
		return nil, false, err
	}
	data, err := identity.ReadSecretFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, false, fmt.Errorf("%s: not a buyer key", path)
	}
	return ed25519.NewKeyFromSeed(seed), true, nil
}

// leaseReceipts is how the gateway meters a lease bought with a buyer
// key: it countersigns receipts within tolerance and reports the others
// to the broker as disputes. A lease without a buyer key has none.
func (f *apiFlags) leaseReceipts(c *client.Client, l *api.Lease, log *zap.Logger) (*exitdial.Receipts, error) {
	if l.BuyerKey == "" {
		return nil, nil
	}
	key, ok, err := f.loadLeaseKey(l.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("lease %s was bought with a buyer key this machine does not hold: "+
			"serve it from the machine that bought it (its exits stop forwarding for a gateway that cannot countersign)", l.ID)
	}
	if base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)) != l.BuyerKey {
		return nil, fmt.Errorf("the key kept for lease %s is not the lease's buyer key", l.ID)
	}
	return &exitdial.Receipts{LeaseID: l.ID, Key: key,
		Report: func(ctx context.Context, r *receipt.Receipt, count meter.Totals) {
			if _, err := c.ReportDispute(ctx, l.ID, r, count); err != nil {
				log.Warn("report a refused receipt", zap.Error(err))
			}
		}}, nil
}
