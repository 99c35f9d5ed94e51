package broker

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/internal/lease"
)

// bytesPerGB is the unit prices are quoted in.
const bytesPerGB = 1_000_000_000

// leaseView is the API form of l. With withTokens, the exits of an active
// lease carry freshly signed tokens.
func (b *Broker) leaseView(ctx context.Context, l store.Lease, withTokens bool) (api.Lease, error) {
	v := api.Lease{
		ID: l.ID, Status: string(l.Status), PriceMicrosPerGB: l.PriceMicrosPerGB,
		FeeBPS: l.FeeBPS, HoldMicros: l.HoldMicros, MaxBytes: byteCap(l),
		RateBps: l.RateBps, Mode: l.Mode, Protocols: l.Protocols, CreatedAt: l.CreatedAt,
		ExpiresAt: l.ExpiresAt, ClosedAt: l.ClosedAt, Exits: make([]api.Exit, 0, len(l.NodeIDs)),
		BuyerKey: encodeBuyerKey(l.BuyerKey),
	}
	if v.Mode == "" {
		v.Mode = api.ModeRotating // leases stored before modes were kept
	}
	wg, err := b.wireGuardViews(ctx, l)
	if err != nil {
		return v, err
	}
	for _, id := range l.NodeIDs {
		n, err := b.st.Node(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			v.Exits = append(v.Exits, api.Exit{NodeID: id})
			continue
		}
		if err != nil {
			return v, fmt.Errorf("lease %s exit %s: %w", l.ID, id, err)
		}
		e, err := b.exitView(l, n, v.MaxBytes, withTokens && l.Status == store.LeaseActive)
		if err != nil {
			return v, err
		}
		if l.Status == store.LeaseActive {
			e.WireGuard = wg[id]
		}
		v.Exits = append(v.Exits, e)
	}
	return v, nil
}

func (b *Broker) exitView(l store.Lease, n store.Node, byteCap int64, withToken bool) (api.Exit, error) {
	e := api.Exit{NodeID: n.ID, Region: api.Region(n.Region), ConnectionType: n.ConnType, ASN: n.ASN}
	if !slices.Contains(l.Protocols, api.ProtocolQUIC) || n.QUICAddr == "" {
		return e, nil
	}
	e.QUIC = &api.QUICExit{Addr: n.QUICAddr, PublicKey: base64.StdEncoding.EncodeToString(n.PublicKey)}
	e.Traversal = b.signals.exitTraversal(l.ID, n.ID)
	if !withToken {
		return e, nil
	}
	now := b.now()
	exp := minTime(l.ExpiresAt, now.Add(b.cfg.TokenTTL))
	if exp.Unix() <= now.Unix() {
		return e, nil // expires within the second: tokens carry whole seconds
	}
	tok, err := b.cfg.Signer.Issue(lease.Claims{
		LeaseID: l.ID, NodeID: n.ID, Protocols: l.Protocols, RateBps: l.RateBps,
		ByteCap: byteCap, IssuedAt: now, ExpiresAt: exp, BuyerKey: l.BuyerKey,
	})
	if err != nil {
		return e, fmt.Errorf("token for lease %s exit %s: %w", l.ID, n.ID, err)
	}
	e.QUIC.Token = tok
	return e, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// byteCap is the lease's byte cap: exactly the max_bytes the buyer asked
// for (and extended by). The hold is the price of those bytes rounded
// down, so charging them never exceeds it. Leases stored before the cap
// was kept fall back to the bytes their hold pays for.
func byteCap(l store.Lease) int64 {
	if l.MaxBytes > 0 {
		return l.MaxBytes
	}
	return coveredBytes(l.HoldMicros, l.PriceMicrosPerGB)
}

// coveredBytes is the bytes hold pays for in full at price,
// floor(hold*10^9/price). The product is taken in 128 bits so that no hold
// or price overflows it.
func coveredBytes(hold, price int64) int64 {
	if hold <= 0 || price <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(hold), bytesPerGB)
	if hi >= uint64(price) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(price))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}
