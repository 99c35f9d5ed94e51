package identity

import (
	"bytes"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// keyPath is a key file path in a fresh directory of the test.
func keyPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "node.key")
}

// writeFile writes data to path with perm, whatever the umask.
func writeFile(t *testing.T, path string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatalf("chmod %s: %v", path, err)
	}
}

func TestLoadOrCreateCreatesPrivateFileAndReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "node.key")
	k1, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: got created %v, err %v; want a new key", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat key file: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %o, want 600", got)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatalf("stat key dir: %v", err)
	}
	if got := di.Mode().Perm(); got&0o077 != 0 {
		t.Errorf("key dir mode: got %o, want no group or other access", got)
	}
	k2, created, err := LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: got created %v, err %v; want the stored key", created, err)
	}
	if !k1.Private.Equal(k2.Private) {
		t.Errorf("reloaded key differs from the created one")
	}
	if k1.NodeID() != k2.NodeID() {
		t.Errorf("node ID after reload: got %s, want %s", k2.NodeID(), k1.NodeID())
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("key dir holds %d entries, want only the key (no temporary files)", len(entries))
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	path := keyPath(t)
	if err := k.Save(path); err != nil {
		t.Fatalf("Save: %v", err)
	}
	// Saving again replaces the file atomically and keeps its mode.
	if err := k.Save(path); err != nil {
		t.Fatalf("second Save: %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !got.Private.Equal(k.Private) || !got.Public().Equal(k.Public()) {
		t.Errorf("Load returned another key than the one saved")
	}
}

func TestLoadRefusesOpenPermissions(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: k.Private.Seed()})
	tests := []struct {
		name string
		perm os.FileMode
		ok   bool
	}{
		{"owner only", 0o600, true},
		{"owner read only", 0o400, true},
		{"group readable", 0o640, false},
		{"world readable", 0o604, false},
		{"group writable", 0o620, false},
		{"everyone", 0o666, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := keyPath(t)
			writeFile(t, path, data, tt.perm)
			_, _, err := LoadOrCreate(path)
			if tt.ok {
				if err != nil {
					t.Fatalf("LoadOrCreate with mode %o: got %v, want the key", tt.perm, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "too open") {
				t.Fatalf("LoadOrCreate with mode %o: got %v, want a permissions error", tt.perm, err)
			}
			// The refused file must not have been replaced by a new key.
			after, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(after, data) {
				t.Errorf("refused key file was modified (read err %v)", rerr)
			}
		})
	}
}

func TestLoadRejectsMalformedFiles(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("not a key at all\n")},
		{"raw seed", seed},
		{"other PEM type", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: seed})},
		{"short seed", pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: seed[:31]})},
		{"long seed", pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: append(seed, 0)})},
		{"full private key", pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: ed25519.NewKeyFromSeed(seed)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := keyPath(t)
			writeFile(t, path, tt.data, 0o600)
			_, created, err := LoadOrCreate(path)
			if err == nil {
				t.Fatalf("LoadOrCreate: got a key, want an error")
			}
			if created || errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("LoadOrCreate: got created %v, err %v; want a refusal of the file", created, err)
			}
			if !strings.Contains(err.Error(), pemType) {
				t.Errorf("error %q does not name the expected %s block", err, pemType)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(keyPath(t))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing file: got %v, want fs.ErrNotExist", err)
	}
}

// nodeIDForm is the documented form of a node ID: "nd_" and 20 lower-case
// base32 characters.
var nodeIDForm = regexp.MustCompile(`^nd_[a-z2-7]{20}$`)

func TestNodeID(t *testing.T) {
	seedA := bytes.Repeat([]byte{1}, ed25519.SeedSize)
	seedB := bytes.Repeat([]byte{2}, ed25519.SeedSize)
	a := Key{Private: ed25519.NewKeyFromSeed(seedA)}
	b := Key{Private: ed25519.NewKeyFromSeed(seedB)}
	tests := []struct {
		name string
		key  Key
	}{{"seed one", a}, {"seed two", b}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.key.NodeID()
			if !nodeIDForm.MatchString(id) {
				t.Errorf("NodeID: got %q, want the form %s", id, nodeIDForm)
			}
			if got := NodeID(tt.key.Public()); got != id {
				t.Errorf("NodeID(pub): got %q, want %q from Key.NodeID", got, id)
			}
			again := Key{Private: ed25519.NewKeyFromSeed(tt.key.Private.Seed())}
			if got := again.NodeID(); got != id {
				t.Errorf("NodeID of the same seed: got %q, want %q", got, id)
			}
		})
	}
	if a.NodeID() == b.NodeID() {
		t.Errorf("two keys share node ID %s", a.NodeID())
	}
}
