package exitdial

import (
	"testing"

	"go.uber.org/zap/zaptest"
)

func TestUseReceiptsCoversAddedExits(t *testing.T) {
	key, err := NewBuyerKey()
	if err != nil {
		t.Fatal(err)
	}
	rc := Receipts{LeaseID: "ls_1", Key: key}
	own := Receipts{LeaseID: "ls_own", Key: key}
	p := NewPool(nil, zaptest.NewLogger(t))
	defer p.Close()
	p.UseReceipts(rc)
	pub := make([]byte, 32)
	p.Update([]Exit{
		{NodeID: "nd_new", Addr: "127.0.0.1:1", PublicKey: pub},
		{NodeID: "nd_own", Addr: "127.0.0.1:2", PublicKey: pub, Receipts: &own},
	})
	got := map[string]string{}
	for _, m := range p.list() {
		if m.d.exit.Receipts == nil {
			t.Fatalf("exit %s added without a receipt configuration", m.d.exit.NodeID)
		}
		got[m.d.exit.NodeID] = m.d.exit.Receipts.LeaseID
	}
	if got["nd_new"] != "ls_1" || got["nd_own"] != "ls_own" {
		t.Errorf("receipt leases by exit %v, want the pool's for the new exit and its own for the other", got)
	}
}
