package main

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/audit"
	"github.com/sparelink/sparelink/metering/billing"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

// writeExport writes a node-attested export of one exit with two receipts
// to a file and returns its path and the bill it must yield.
func writeExport(t *testing.T, tamper bool) (string, int64) {
	t.Helper()
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	iss := receipt.NewIssuer(key.Private, key.NodeID(), nil)
	x := &audit.Export{LeaseID: "ls_v", PriceMicrosPerGB: 3_000_000, FeeBPS: 500,
		NodeKeys: map[string]ed25519.PublicKey{key.NodeID(): key.Public()}}
	for _, tot := range []meter.Totals{{Up: 10, Down: 5e6}, {Up: 20, Down: 8e6}} {
		r, _ := iss.Issue("ls_v", tot)
		x.Receipts = append(x.Receipts, r)
	}
	if tamper {
		x.Receipts[1].Down++
	}
	var buf bytes.Buffer
	if err := audit.Write(&buf, x); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, billing.Charge(8e6+20, 3_000_000)
}

func TestVerifyFile(t *testing.T) {
	tests := []struct {
		name   string
		tamper bool
	}{
		{"intact export", false},
		{"tampered receipt", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, charge := writeExport(t, tt.tamper)
			var out bytes.Buffer
			err := verifyFile(&out, path)
			if tt.tamper {
				if err == nil || !strings.Contains(err.Error(), "signature") {
					t.Fatalf("verifyFile() = %v, want a signature error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("verifyFile: %v", err)
			}
			if !strings.Contains(out.String(), " "+strconv.FormatInt(charge, 10)+" ") || !strings.Contains(out.String(), "node") {
				t.Fatalf("output does not show the node-attested charge %d:\n%s", charge, out.String())
			}
		})
	}
}
