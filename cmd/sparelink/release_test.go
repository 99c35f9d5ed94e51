package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/internal/cli"
	"github.com/sparelink/sparelink/internal/release"
)

// signedRelease writes a two-file release signed by a new key and
// returns its directory and the key.
func signedRelease(t *testing.T) (string, release.SecretKey) {
	t.Helper()
	key, err := release.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, n := range []string{"a.deb", "b.ipk"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := release.SignDir(dir, []string{"a.deb", "b.ipk"}, key, "sparelink v1.0.0"); err != nil {
		t.Fatal(err)
	}
	return dir, key
}

func runVerify(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var common cli.Common
	root := cli.NewRoot("sparelink", "", "", &common)
	root.AddCommand(verifyReleaseCommand(&common))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(append([]string{"verify-release", "--log-level", "error"}, args...))
	err := root.Execute()
	return out.String(), err
}

func TestVerifyReleaseCommand(t *testing.T) {
	dir, key := signedRelease(t)
	pubFile := filepath.Join(t.TempDir(), "release.pub")
	if err := os.WriteFile(pubFile, key.Public().File(), 0o644); err != nil {
		t.Fatal(err)
	}
	other, _ := release.GenerateKey(rand.Reader)
	partial := t.TempDir()
	for _, n := range []string{release.SumsFile, release.SigFile, "a.deb"} {
		data, _ := os.ReadFile(filepath.Join(dir, n))
		os.WriteFile(filepath.Join(partial, n), data, 0o644)
	}
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"key file", []string{"--pubkey", pubFile, "--dir", dir}, "b.ipk: OK", ""},
		{"key line", []string{"--pubkey", key.Public().String(), "--dir", dir}, "sparelink v1.0.0", ""},
		{"other key", []string{"--pubkey", other.Public().String(), "--dir", dir}, "", "signed by another key"},
		{"no key", []string{"--dir", dir}, "", "--pubkey is required"},
		{"partial download", []string{"--pubkey", pubFile, "--dir", partial}, "", "missing"},
		{"partial, ignored", []string{"--pubkey", pubFile, "--dir", partial, "--ignore-missing", "--require", "a.deb"}, "a.deb: OK", ""},
		{"required file absent", []string{"--pubkey", pubFile, "--dir", partial, "--ignore-missing", "--require", "b.ipk"}, "", "b.ipk is not listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runVerify(t, tt.args...)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("got output %q, want it to contain %q", out, tt.wantOut)
			}
		})
	}
}
