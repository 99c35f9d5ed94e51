package release

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadKey(t *testing.T) {
	key := newKey(t)
	dir := t.TempDir()
	plain := writeTemp(t, dir, "plain.key", key.File())
	enc, _ := key.EncryptedFile([]byte("pw"), rand.Reader, testOps, testMem)
	encrypted := writeTemp(t, dir, "enc.key", enc)
	open := writeTemp(t, dir, "open.key", key.File())
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      KeyConfig
		wantKey  bool
		wantErr  error
		wantText string
	}{
		{"key file", KeyConfig{Path: plain}, true, nil, ""},
		{"encrypted key file", KeyConfig{Path: encrypted, Password: []byte("pw")}, true, nil, ""},
		{"encrypted without password", KeyConfig{Path: encrypted}, false, ErrNeedPassword, ""},
		{"readable by others", KeyConfig{Path: open}, false, nil, "too open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, throwaway, err := LoadKey(tt.cfg)
			if tt.wantText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantText)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if throwaway || (tt.wantKey && got.ID != key.ID) {
				t.Errorf("got key %s throwaway=%v, want %s from the file", got.ID, throwaway, key.ID)
			}
		})
	}
}

func TestThrowawayKeyIsKeptAndAnnounced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bin", "throwaway.key")
	var warn bytes.Buffer
	first, throwaway, err := LoadKey(KeyConfig{ThrowawayPath: path, Warnings: &warn})
	if err != nil || !throwaway {
		t.Fatalf("LoadKey: got throwaway=%v err=%v, want a throwaway key", throwaway, err)
	}
	if !strings.Contains(warn.String(), "THROWAWAY") {
		t.Errorf("got warning %q, want a loud THROWAWAY notice", warn.String())
	}
	again, _, err := LoadKey(KeyConfig{ThrowawayPath: path})
	if err != nil || again.ID != first.ID {
		t.Errorf("second LoadKey: got key %s (%v), want the same throwaway key %s", again.ID, err, first.ID)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("throwaway key file: got %v (%v), want mode 0600", fi.Mode().Perm(), err)
	}
}

func TestStampPublicKey(t *testing.T) {
	pub := newKey(t).Public()
	tests := []struct {
		name, script string
		wantErr      bool
	}{
		{"one marker", "#!/bin/sh\nRELEASE_PUBKEY=\"\"\necho\n", false},
		{"no marker", "#!/bin/sh\necho\n", true},
		{"two markers", "#!/bin/sh\nRELEASE_PUBKEY=\"\"\nRELEASE_PUBKEY=\"\"\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StampPublicKey([]byte(tt.script), pub)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && !strings.Contains(string(got), "\nRELEASE_PUBKEY=\""+pub.String()+"\"\n") {
				t.Errorf("got script %q, want the key in RELEASE_PUBKEY", got)
			}
		})
	}
}

func TestSignRelease(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t)
	for _, n := range []string{"a", "b", ".hidden"} {
		writeTemp(t, dir, n, []byte(n))
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ { // signing again replaces the sums
		names, err := SignRelease(dir, key, "c")
		if err != nil || strings.Join(names, ",") != "a,b" {
			t.Fatalf("round %d: got %v (%v), want a,b", round, names, err)
		}
	}
	if _, err := SignRelease(t.TempDir(), key, "c"); !errors.Is(err, ErrNoFiles) {
		t.Errorf("empty directory: got %v, want ErrNoFiles", err)
	}
}
