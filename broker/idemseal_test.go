package broker

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealedAnswers(t *testing.T) {
	aead, err := replayAEAD([]byte("secret one"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := replayAEAD([]byte("secret two"))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"key":"sl_buyer_kabc_secret"}`)
	sealed := seal(aead, body, "ac_1", "idem-1")
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatalf("sealed body %q shows the plaintext", sealed)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name      string
		stored    []byte
		open      func([]byte) ([]byte, error)
		want      []byte
		wantError bool
	}{
		{"round trip", sealed, func(s []byte) ([]byte, error) { return unseal(aead, s, "ac_1", "idem-1") }, body, false},
		{"stored before sealing", body, func(s []byte) ([]byte, error) { return unseal(aead, s, "ac_1", "idem-1") }, body, false},
		{"another record", sealed, func(s []byte) ([]byte, error) { return unseal(aead, s, "ac_2", "idem-1") }, nil, true},
		{"another key", sealed, func(s []byte) ([]byte, error) { return unseal(aead, s, "ac_1", "idem-2") }, nil, true},
		{"another secret", sealed, func(s []byte) ([]byte, error) { return unseal(other, s, "ac_1", "idem-1") }, nil, true},
		{"tampered", flipped, func(s []byte) ([]byte, error) { return unseal(aead, s, "ac_1", "idem-1") }, nil, true},
		{"truncated", sealed[:5], func(s []byte) ([]byte, error) { return unseal(aead, s, "ac_1", "idem-1") }, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.open(tt.stored)
			if tt.wantError {
				if !errors.Is(err, errUnsealable) {
					t.Fatalf("unseal = %q, %v; want errUnsealable", got, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("unseal = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
