package exitdial

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"

	"github.com/sparelink/sparelink/broker/api"
)

// Update replaces the pool's exits with exits, as read again from the
// broker: an exit already in the pool (same node, address and key) keeps
// its connection and health and takes the new token; new exits join the
// rotation; exits no longer listed leave it, their open tunnels running
// until Close.
func (p *Pool) Update(exits []Exit) {
	p.updateMu.Lock()
	defer p.updateMu.Unlock()
	if p.closed.Load() {
		return
	}
	old := p.list()
	next := make([]*member, 0, len(exits))
	kept := make(map[*member]bool)
	for _, e := range exits {
		if e.Receipts == nil && p.receipts != nil {
			c := *p.receipts
			e.Receipts = &c
		}
		if m := find(old, e); m != nil {
			m.d.SetToken(e.Token)
			kept[m] = true
			next = append(next, m)
			continue
		}
		next = append(next, newMember(New(e, p.log)))
	}
	for _, m := range old {
		if !kept[m] {
			p.retired = append(p.retired, m)
		}
	}
	p.members.Store(&next)
}

// UseReceipts makes every exit that Update adds without a receipt
// configuration (those FromLease builds) use rc, so that a lease's
// buyer-side metering covers exits the lease gains later.
func (p *Pool) UseReceipts(rc Receipts) {
	p.updateMu.Lock()
	defer p.updateMu.Unlock()
	p.receipts = &rc
}

func find(members []*member, e Exit) *member {
	for _, m := range members {
		x := m.d.exit
		if x.NodeID == e.NodeID && x.Addr == e.Addr && bytes.Equal(x.PublicKey, e.PublicKey) {
			return m
		}
	}
	return nil
}

// FromLease returns the QUIC exits of a lease as the broker returned it.
func FromLease(l *api.Lease) ([]Exit, error) {
	var out []Exit
	for _, e := range l.Exits {
		if e.QUIC == nil {
			continue
		}
		pub, err := base64.StdEncoding.DecodeString(e.QUIC.PublicKey)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("lease %s: exit %s has no valid node public key", l.ID, e.NodeID)
		}
		out = append(out, Exit{NodeID: e.NodeID, Addr: e.QUIC.Addr, PublicKey: pub, Token: e.QUIC.Token})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lease %s (%s) has no QUIC exits with credentials", l.ID, l.Status)
	}
	return out, nil
}
