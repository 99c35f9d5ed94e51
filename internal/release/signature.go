package release

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/blake2b"
)

// maxCommentLen bounds a trusted comment, as minisign bounds its lines.
const maxCommentLen = 1024

// Signature is a parsed minisign signature file.
type Signature struct {
	// Algorithm is "ED" (Ed25519 over the BLAKE2b-512 of the file) or
	// "Ed" (Ed25519 over the file itself, from old signers).
	Algorithm [2]byte
	KeyID     KeyID
	Sig       [ed25519.SignatureSize]byte
	// TrustedComment is signed together with Sig (by GlobalSig), so a
	// verifier may show it as part of the release.
	TrustedComment string
	GlobalSig      [ed25519.SignatureSize]byte
}

// Sign signs message in minisign's prehashed format and returns the
// signature file. trustedComment must be one line; it is signed too.
func (k SecretKey) Sign(message []byte, trustedComment string) ([]byte, error) {
	if strings.ContainsAny(trustedComment, "\r\n") || len(trustedComment) > maxCommentLen {
		return nil, fmt.Errorf("sign: the trusted comment must be one line of at most %d bytes", maxCommentLen)
	}
	digest := blake2b.Sum512(message)
	sig := ed25519.Sign(k.Key, digest[:])
	global := ed25519.Sign(k.Key, append(sig[:len(sig):len(sig)], trustedComment...))
	line := make([]byte, 0, 2+8+len(sig))
	line = append(line, algPrehashed[:]...)
	line = append(line, k.ID[:]...)
	line = append(line, sig...)
	var b strings.Builder
	fmt.Fprintf(&b, "%ssignature from sparelink release key %s\n", untrustedPrefix, k.ID)
	b.WriteString(base64.StdEncoding.EncodeToString(line) + "\n")
	b.WriteString(trustedPrefix + trustedComment + "\n")
	b.WriteString(base64.StdEncoding.EncodeToString(global) + "\n")
	return []byte(b.String()), nil
}

// ParseSignature reads a minisign signature file: an untrusted comment,
// the signature, the trusted comment and the signature over both.
func ParseSignature(data []byte) (Signature, error) {
	lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
	if len(lines) != 4 {
		return Signature{}, fmt.Errorf("signature: %w: want 4 lines, got %d", ErrMalformed, len(lines))
	}
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	if !strings.HasPrefix(lines[0], untrustedPrefix) {
		return Signature{}, fmt.Errorf("signature: %w: the first line is not an untrusted comment", ErrMalformed)
	}
	var s Signature
	raw, err := base64.StdEncoding.DecodeString(lines[1])
	if err != nil || len(raw) != 2+8+ed25519.SignatureSize {
		return Signature{}, fmt.Errorf("signature: %w: bad signature line", ErrMalformed)
	}
	s.Algorithm, s.KeyID, s.Sig = [2]byte(raw[:2]), KeyID(raw[2:10]), [64]byte(raw[10:])
	if s.Algorithm != algPrehashed && s.Algorithm != algEd25519 {
		return Signature{}, fmt.Errorf("signature: %w: unknown algorithm %q", ErrMalformed, raw[:2])
	}
	comment, ok := strings.CutPrefix(lines[2], trustedPrefix)
	if !ok || len(comment) > maxCommentLen {
		return Signature{}, fmt.Errorf("signature: %w: bad trusted comment line", ErrMalformed)
	}
	s.TrustedComment = comment
	global, err := base64.StdEncoding.DecodeString(lines[3])
	if err != nil || len(global) != ed25519.SignatureSize {
		return Signature{}, fmt.Errorf("signature: %w: bad comment signature line", ErrMalformed)
	}
	s.GlobalSig = [64]byte(global)
	return s, nil
}

// Verify checks the signature file sigFile over message with key, and
// returns the trusted comment it carries.
func Verify(key PublicKey, message, sigFile []byte) (string, error) {
	if len(key.Key) != ed25519.PublicKeySize {
		return "", fmt.Errorf("verify: %w: no public key", ErrMalformed)
	}
	s, err := ParseSignature(sigFile)
	if err != nil {
		return "", err
	}
	if s.KeyID != key.ID {
		return "", fmt.Errorf("verify: %w: key %s, want %s", ErrWrongKey, s.KeyID, key.ID)
	}
	signed := message
	if s.Algorithm == algPrehashed {
		digest := blake2b.Sum512(message)
		signed = digest[:]
	}
	if !ed25519.Verify(key.Key, signed, s.Sig[:]) {
		return "", fmt.Errorf("verify: %w", ErrBadSignature)
	}
	if !ed25519.Verify(key.Key, append(s.Sig[:], s.TrustedComment...), s.GlobalSig[:]) {
		return "", fmt.Errorf("verify: trusted comment: %w", ErrBadSignature)
	}
	return s.TrustedComment, nil
}
