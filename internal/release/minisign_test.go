package release

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/internal/testenv"
)

// These tests check the formats against the real minisign tool, in both
// directions: what we sign it verifies, what it signs we verify, and the
// keys each writes the other reads.

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runMinisign(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testenv.NeedTool(t, "minisign"), args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMinisignVerifiesOurSignatures(t *testing.T) {
	testenv.NeedTool(t, "minisign")
	dir := t.TempDir()
	key := newKey(t)
	msg := writeTemp(t, dir, "SHA256SUMS", []byte("0000  a\n"))
	sig, err := key.Sign([]byte("0000  a\n"), "sparelink v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	good := writeTemp(t, dir, "good.minisig", sig)
	other, _ := newKey(t).Sign([]byte("0000  a\n"), "sparelink v0.1.0")
	bad := writeTemp(t, dir, "other.minisig", other)
	tests := []struct {
		name   string
		sig    string
		wantOK bool
	}{
		{"our signature", good, true},
		{"signature by another key", bad, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runMinisign(t, "", "-V", "-H", "-P", key.Public().String(), "-m", msg, "-x", tt.sig)
			if got := err == nil; got != tt.wantOK {
				t.Fatalf("minisign -V: got ok=%v, want %v: %s", got, tt.wantOK, out)
			}
			if tt.wantOK && !strings.Contains(out, "sparelink v0.1.0") {
				t.Errorf("minisign output %q does not show the trusted comment", out)
			}
		})
	}
}

func TestMinisignReadsOurKeys(t *testing.T) {
	testenv.NeedTool(t, "minisign")
	key := newKey(t)
	encrypted, err := key.EncryptedFile([]byte("pw"), rand.Reader, testOps, testMem)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stdin string
		file        []byte
		flags       []string
	}{
		{"unencrypted", "", key.File(), []string{"-W"}},
		{"encrypted", "pw\n", encrypted, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sk := writeTemp(t, dir, "release.key", tt.file)
			msg := writeTemp(t, dir, "m", []byte("release"))
			args := append([]string{"-S", "-s", sk, "-m", msg, "-t", "made by minisign"}, tt.flags...)
			if out, err := runMinisign(t, tt.stdin, args...); err != nil {
				t.Fatalf("minisign -S with our key: %v: %s", err, out)
			}
			sig, err := os.ReadFile(msg + ".minisig")
			if err != nil {
				t.Fatal(err)
			}
			comment, err := Verify(key.Public(), []byte("release"), sig)
			if err != nil || comment != "made by minisign" {
				t.Errorf("Verify minisign's signature: got %q, %v, want the comment and no error", comment, err)
			}
		})
	}
}

func TestWeReadMinisignKeys(t *testing.T) {
	testenv.NeedTool(t, "minisign")
	dir := t.TempDir()
	pubPath, skPath := filepath.Join(dir, "k.pub"), filepath.Join(dir, "k.key")
	if out, err := runMinisign(t, "", "-G", "-W", "-p", pubPath, "-s", skPath); err != nil {
		t.Fatalf("minisign -G: %v: %s", err, out)
	}
	skFile, _ := os.ReadFile(skPath)
	pubFile, _ := os.ReadFile(pubPath)
	sk, err := ParseSecretKey(skFile, nil)
	if err != nil {
		t.Fatalf("ParseSecretKey of minisign's key: %v", err)
	}
	pub, err := ParsePublicKey(string(pubFile))
	if err != nil {
		t.Fatalf("ParsePublicKey of minisign's key: %v", err)
	}
	if got, want := sk.Public().String(), pub.String(); got != want {
		t.Fatalf("public half of the secret key: got %s, want %s", got, want)
	}
	if !strings.Contains(string(pubFile), pub.ID.String()) {
		t.Errorf("minisign's key file %q does not name key ID %s", pubFile, pub.ID)
	}
	msg := writeTemp(t, dir, "m", []byte("data"))
	sig, _ := sk.Sign([]byte("data"), "c")
	sigPath := writeTemp(t, dir, "m.minisig", sig)
	if out, err := runMinisign(t, "", "-V", "-p", pubPath, "-m", msg, "-x", sigPath); err != nil {
		t.Errorf("minisign -V with its own public key: %v: %s", err, out)
	}
}
