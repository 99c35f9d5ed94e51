package release

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

// Small scrypt limits (N=1024) keep encrypted-key tests fast; minisign
// reads the limits from the file, so they are as valid as its defaults.
const testOps, testMem = 32768, 1 << 20

func newKey(t *testing.T) SecretKey {
	t.Helper()
	k, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return k
}

func TestSignVerify(t *testing.T) {
	key, other := newKey(t), newKey(t)
	msg := []byte("abc  sparelink-agent_linux_amd64\n")
	sig, err := key.Sign(msg, "sparelink v1.2.3")
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	tampered := bytes.Replace(sig, []byte("v1.2.3"), []byte("v9.9.9"), 1)
	tests := []struct {
		name    string
		key     PublicKey
		msg     []byte
		sig     []byte
		wantErr error
	}{
		{"valid", key.Public(), msg, sig, nil},
		{"changed message", key.Public(), append([]byte("x"), msg...), sig, ErrBadSignature},
		{"changed trusted comment", key.Public(), msg, tampered, ErrBadSignature},
		{"other key", other.Public(), msg, sig, ErrWrongKey},
		{"other key claiming the ID", PublicKey{ID: key.ID, Key: other.Public().Key}, msg, sig, ErrBadSignature},
		{"truncated", key.Public(), msg, sig[:len(sig)/2], ErrMalformed},
		{"no key", PublicKey{}, msg, sig, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			comment, err := Verify(tt.key, tt.msg, tt.sig)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify: got error %v, want %v", err, tt.wantErr)
			}
			if err == nil && comment != "sparelink v1.2.3" {
				t.Errorf("got trusted comment %q, want %q", comment, "sparelink v1.2.3")
			}
		})
	}
}

func TestSignRejectsMultilineComment(t *testing.T) {
	if _, err := newKey(t).Sign([]byte("m"), "one\ntwo"); err == nil {
		t.Errorf("Sign with a two-line comment: got no error, want one")
	}
}

func TestPublicKeyRoundTrip(t *testing.T) {
	pub := newKey(t).Public()
	for name, text := range map[string]string{"file": string(pub.File()), "base64 line": pub.String()} {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePublicKey(text)
			if err != nil {
				t.Fatalf("ParsePublicKey: %v", err)
			}
			if got.ID != pub.ID || !got.Key.Equal(pub.Key) {
				t.Errorf("got key %s %x, want %s %x", got.ID, got.Key, pub.ID, pub.Key)
			}
		})
	}
}

func TestSecretKeyFiles(t *testing.T) {
	key := newKey(t)
	encrypted, err := key.EncryptedFile([]byte("correct horse"), rand.Reader, testOps, testMem)
	if err != nil {
		t.Fatalf("EncryptedFile: %v", err)
	}
	tests := []struct {
		name     string
		file     []byte
		password string
		wantErr  error
	}{
		{"unencrypted", key.File(), "", nil},
		{"unencrypted ignores a password", key.File(), "anything", nil},
		{"encrypted", encrypted, "correct horse", nil},
		{"encrypted without password", encrypted, "", ErrNeedPassword},
		{"encrypted with wrong password", encrypted, "battery staple", ErrWrongPassword},
		{"not a key", []byte("untrusted comment: x\nAAAA\n"), "", ErrMalformed},
		{"no comment", []byte(strings.SplitN(string(key.File()), "\n", 2)[1]), "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSecretKey(tt.file, []byte(tt.password))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseSecretKey: got error %v, want %v", err, tt.wantErr)
			}
			if err == nil && (got.ID != key.ID || !got.Key.Equal(key.Key)) {
				t.Errorf("got key %s, want %s", got.ID, key.ID)
			}
		})
	}
}

func TestScryptParamsMatchLibsodium(t *testing.T) {
	// Expected values worked out by hand from libsodium's pickparams.
	tests := []struct {
		name         string
		ops, mem     uint64
		logN         uint
		wantR, wantP int
	}{
		{"minisign defaults", defaultOpsLimit, defaultMemLimit, 20, 8, 1},
		{"test limits", testOps, testMem, 10, 8, 1},
		{"ops bound", 32768, 1 << 30, 10, 8, 1},
		{"more ops than memory", 1 << 26, 1 << 24, 14, 8, 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logN, r, p := kdfParams{ops: tt.ops, mem: tt.mem}.scryptParams()
			if logN != tt.logN || r != tt.wantR || p != tt.wantP {
				t.Errorf("got logN=%d r=%d p=%d, want %d %d %d", logN, r, p, tt.logN, tt.wantR, tt.wantP)
			}
		})
	}
}
