package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// bulkNode is the i-th node of operator op for the InsertNodes tests.
func bulkNode(batch string, i int, op string) store.Node {
	at := time.Date(2026, 3, 1, 12, 0, i, 0, time.UTC)
	return store.Node{ID: fmt.Sprintf("%s-%d", batch, i), OperatorID: op, PublicKey: []byte{byte(i), 1, 2},
		Region: store.Region{Country: "DE", City: "Berlin"}, ASN: 64_500 + i, ConnType: "residential",
		Protocols: []string{"quic"}, QUICAddr: "127.0.0.1:4433", PriceMicrosPerGB: int64(1000 + i),
		CapacityBps: 1 << 20, SpareBps: int64(i) << 10, LastSeen: at, CreatedAt: at.Add(-time.Hour)}
}

func TestInsertNodes(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "broker.db"))
	if err := s.CreateAccount(ctx, store.Account{ID: "op", Kind: store.KindOperator, Name: "op"}); err != nil {
		t.Fatalf("create operator: %v", err)
	}
	if err := s.InsertNodes(ctx, []store.Node{bulkNode("taken", 0, "op")}); err != nil {
		t.Fatalf("insert the node the conflict case repeats: %v", err)
	}
	tests := []struct {
		name    string
		nodes   []store.Node
		wantErr error // nil: every node stored
	}{
		{"three nodes", []store.Node{bulkNode("ok", 1, "op"), bulkNode("ok", 2, "op"), bulkNode("ok", 3, "op")}, nil},
		{"empty batch", nil, nil},
		{"id already stored", []store.Node{bulkNode("dup", 1, "op"), bulkNode("taken", 0, "op")}, store.ErrConflict},
		{"unknown operator", []store.Node{bulkNode("ghost", 1, "op"), bulkNode("ghost", 2, "nobody")}, store.ErrNotFound},
		{"empty id", []store.Node{bulkNode("noid", 1, "op"), {OperatorID: "op"}}, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.InsertNodes(ctx, tt.nodes)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("InsertNodes: got %v, want %v", err, tt.wantErr)
			}
			stored := tt.nodes // on failure: all but the bad last node, rolled back
			if tt.wantErr != nil {
				stored = tt.nodes[:len(tt.nodes)-1]
			}
			for _, want := range stored {
				got, err := s.Node(ctx, want.ID)
				switch {
				case tt.wantErr != nil && !errors.Is(err, store.ErrNotFound):
					t.Errorf("Node(%s) after a failed batch: got %v, want ErrNotFound (rolled back)", want.ID, err)
				case tt.wantErr == nil && (err != nil || !reflect.DeepEqual(got, want)):
					t.Errorf("Node(%s): got %+v, %v; want %+v", want.ID, got, err, want)
				}
			}
		})
	}
}
