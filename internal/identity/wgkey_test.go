package identity

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RFC 7748 §6.1: Alice's private key and the public key it gives.
const (
	rfcPrivateHex = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
	rfcPublicHex  = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
)

func b64hex(t *testing.T, h string) string {
	t.Helper()
	raw, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func TestWireGuardPublicKey(t *testing.T) {
	k, err := ParseWireGuardKey([]byte(b64hex(t, rfcPrivateHex)))
	if err != nil {
		t.Fatalf("parse the RFC 7748 key: %v", err)
	}
	got, err := k.Public()
	if err != nil {
		t.Fatal(err)
	}
	if want := b64hex(t, rfcPublicHex); got != want {
		t.Errorf("public key: got %s, want %s", got, want)
	}
}

func TestParseWireGuardKey(t *testing.T) {
	valid := b64hex(t, rfcPrivateHex)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"as wg genkey prints it", valid + "\n", true},
		{"surrounding space", "  " + valid + " \r\n", true},
		{"empty", "", false},
		{"too short", valid[:40], false},
		{"too long", valid + "AAAA", false},
		{"not base64", strings.Repeat("!", 44), false},
		{"url alphabet", strings.Repeat("_", 43) + "=", false},
		{"hex instead of base64", rfcPrivateHex, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseWireGuardKey([]byte(tt.in))
			if tt.ok != (err == nil) {
				t.Fatalf("ParseWireGuardKey(%q): got err %v, want ok %v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadWireGuardKey) {
				t.Errorf("got %v, want ErrBadWireGuardKey", err)
			}
			if tt.ok && k.String() != valid {
				t.Errorf("round trip: got %s, want %s", k.String(), valid)
			}
		})
	}
}

func TestGenerateWireGuardIsClamped(t *testing.T) {
	seen := make(map[WireGuardKey]bool)
	for range 32 {
		k, err := GenerateWireGuard()
		if err != nil {
			t.Fatal(err)
		}
		if k[0]&7 != 0 || k[31]&128 != 0 || k[31]&64 == 0 {
			t.Fatalf("key %x is not clamped", k)
		}
		if seen[k] {
			t.Fatalf("GenerateWireGuard repeated a key")
		}
		seen[k] = true
	}
}

func TestLoadOrCreateWireGuard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "wireguard.key")
	k1, created, err := LoadOrCreateWireGuard(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreateWireGuard: got created %v, err %v; want a new key", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %o, want 600", got)
	}
	data, _ := os.ReadFile(path)
	if got, want := string(data), k1.String()+"\n"; got != want {
		t.Errorf("key file: got %q, want %q", got, want)
	}
	k2, created, err := LoadOrCreateWireGuard(path)
	if err != nil || created || k2 != k1 {
		t.Errorf("second LoadOrCreateWireGuard: got created %v, err %v, same key %v; want the stored key", created, err, k2 == k1)
	}
}

func TestLoadWireGuardRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content string
		perm    os.FileMode
		want    string
	}{
		{"world readable", strings.Repeat("A", 43) + "=", 0o644, "too open"},
		{"group readable", strings.Repeat("A", 43) + "=", 0o640, "too open"},
		{"garbage", "not a key", 0o600, ErrBadWireGuardKey.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "wireguard.key")
			if err := os.WriteFile(path, []byte(tt.content), tt.perm); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.perm); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadOrCreateWireGuard(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
			if after, _ := os.ReadFile(path); string(after) != tt.content {
				t.Errorf("refused key file was replaced")
			}
		})
	}
	if _, err := LoadWireGuard(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
}

// FuzzParseWireGuardKey feeds arbitrary key files to the parser: it must
// never panic, and what it accepts must print back as the trimmed input.
func FuzzParseWireGuardKey(f *testing.F) {
	f.Add([]byte(base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n"))
	f.Add([]byte("   \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseWireGuardKey(data)
		if err != nil {
			return
		}
		if got := k.String(); got != strings.TrimSpace(string(data)) {
			t.Fatalf("accepted %q but prints %q", data, got)
		}
	})
}
