package audit

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// fixedKey returns a deterministic key pair from one seed byte.
func fixedKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

// sampleExport is a lease with a buyer key and one exit whose chain has
// three receipts, the first two countersigned.
func sampleExport(t testing.TB) (*Export, ed25519.PrivateKey) {
	t.Helper()
	node, buyer := fixedKey(1), fixedKey(2)
	pub := node.Public().(ed25519.PublicKey)
	id := identity.NodeID(pub)
	iss := receipt.NewIssuer(node, id, nil)
	x := &Export{LeaseID: "ls_a", PriceMicrosPerGB: 2_000_000, FeeBPS: 1000,
		BuyerKey: buyer.Public().(ed25519.PublicKey), NodeKeys: map[string]ed25519.PublicKey{id: pub}}
	for i, tot := range []meter.Totals{{Up: 1e6, Down: 2e6}, {Up: 3e6, Down: 9e6}, {Up: 4e6, Down: 9e6}} {
		r, _ := iss.Issue("ls_a", tot)
		if i < 2 {
			r.Countersign(buyer)
		}
		x.Receipts = append(x.Receipts, r)
	}
	return x, buyer
}

func roundTrip(t *testing.T, x *Export) *Export {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, x); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return got
}

func TestVerifyBillsCountersigned(t *testing.T) {
	x, _ := sampleExport(t)
	bill, err := Verify(roundTrip(t, x))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := billing.Cumulative(meter.Totals{Up: 3e6, Down: 9e6}, 2_000_000, 1000)
	if bill.Total != want || len(bill.Exits) != 1 || bill.Exits[0].NodeAttested {
		t.Fatalf("got bill %+v, want %+v from the last countersigned receipt", bill, want)
	}
	x.BuyerKey = nil
	bill, err = Verify(x)
	if want := billing.Cumulative(meter.Totals{Up: 4e6, Down: 9e6}, 2_000_000, 1000); err != nil || bill.Total != want || !bill.Exits[0].NodeAttested {
		t.Fatalf("node-attested: got %+v, %v, want %+v", bill, err, want)
	}
}

func TestVerifyRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(x *Export, buyer ed25519.PrivateKey)
		want   error
	}{
		{"flipped bit", func(x *Export, _ ed25519.PrivateKey) { x.Receipts[1].Down++ }, receipt.ErrBadSignature},
		{"missing link", func(x *Export, _ ed25519.PrivateKey) { x.Receipts = append(x.Receipts[:1], x.Receipts[2]) }, receipt.ErrBrokenChain},
		{"replayed", func(x *Export, _ ed25519.PrivateKey) { x.Receipts = append(x.Receipts, x.Receipts[2]) }, receipt.ErrReplay},
		{"reordered", func(x *Export, _ ed25519.PrivateKey) { x.Receipts[0], x.Receipts[1] = x.Receipts[1], x.Receipts[0] }, receipt.ErrBrokenChain},
		{"other lease", func(x *Export, _ ed25519.PrivateKey) { x.LeaseID = "ls_b" }, receipt.ErrMismatch},
		{"wrong buyer", func(x *Export, _ ed25519.PrivateKey) { x.Receipts[1].Countersign(fixedKey(9)) }, receipt.ErrBadSignature},
		{"wrong node key", func(x *Export, _ ed25519.PrivateKey) {
			for id := range x.NodeKeys {
				x.NodeKeys[id] = fixedKey(3).Public().(ed25519.PublicKey)
			}
		}, ErrUnknownNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, buyer := sampleExport(t)
			tt.mutate(x, buyer)
			if _, err := Verify(x); !errors.Is(err, tt.want) {
				t.Fatalf("Verify() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	x, _ := sampleExport(t)
	var buf bytes.Buffer
	if err := Write(&buf, x); err != nil {
		t.Fatalf("Write: %v", err)
	}
	lines := strings.SplitAfter(buf.String(), "\n")
	tests := []struct {
		name string
		doc  string
	}{
		{"empty", ""},
		{"no lease line", strings.Join(lines[1:], "")},
		{"two lease lines", lines[0] + buf.String()},
		{"node after receipt", strings.Join(append(append([]string{}, lines[0], lines[2]), lines[1]), "")},
		{"unknown field", lines[0] + `{"type":"node","node_id":"x","public_key":"AA==","extra":1}` + "\n"},
		{"unknown type", lines[0] + `{"type":"tip"}` + "\n"},
		{"bad receipt", lines[0] + `{"type":"receipt","receipt":"AAAA"}` + "\n"},
		{"two objects on a line", strings.TrimSuffix(lines[0], "\n") + lines[0]},
		{"long line", lines[0] + strings.Repeat(" ", MaxLineLen) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Read(strings.NewReader(tt.doc)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Read() = %+v, %v, want ErrMalformed", got, err)
			}
		})
	}
}

// FuzzRead checks that Read never panics on arbitrary input and that what
// it accepts writes back to an export it reads the same way.
func FuzzRead(f *testing.F) {
	x, _ := sampleExport(f)
	var buf bytes.Buffer
	if err := Write(&buf, x); err != nil {
		f.Fatalf("Write: %v", err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		_, _ = Verify(x)
		var again bytes.Buffer
		if err := Write(&again, x); err != nil {
			t.Fatalf("Write of an accepted export: %v", err)
		}
		y, err := Read(&again)
		if err != nil || len(y.Receipts) != len(x.Receipts) || y.LeaseID != x.LeaseID {
			t.Fatalf("re-read %+v, %v, want %+v", y, err, x)
		}
	})
}
