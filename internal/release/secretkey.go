package release

import (
	"bytes"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/blake2b"
)

// A minisign secret key file is one base64 line of:
//
//	sig_alg[2] kdf_alg[2] chk_alg[2] salt[32] opslimit[8] memlimit[8]
//	key_id[8] secret_key[64] checksum[32]
//
// The last 104 bytes are XORed with a scrypt key stream when kdf_alg is
// "Sc", and stored as they are when it is two zero bytes ('minisign -W').
// The checksum is BLAKE2b-256 of sig_alg, key_id and secret_key.
const (
	secretHeaderLen = 2 + 2 + 2 + 32 + 8 + 8
	secretBodyLen   = 8 + ed25519.PrivateKeySize + 32
	secretKeyLen    = secretHeaderLen + secretBodyLen
)

var (
	kdfNone   = [2]byte{0, 0}
	kdfScrypt = [2]byte{'S', 'c'}
	chkBlake2 = [2]byte{'B', '2'}
)

// ParseSecretKey reads a minisign secret key file. password decrypts an
// encrypted key; an unencrypted key ignores it.
func ParseSecretKey(data, password []byte) (SecretKey, error) {
	raw, err := secretKeyBytes(data)
	if err != nil {
		return SecretKey{}, err
	}
	if [2]byte(raw[0:2]) != algEd25519 || [2]byte(raw[4:6]) != chkBlake2 {
		return SecretKey{}, fmt.Errorf("secret key: %w: algorithms %q %q, want %q %q", ErrMalformed, raw[0:2], raw[4:6], algEd25519[:], chkBlake2[:])
	}
	body := raw[secretHeaderLen:]
	switch [2]byte(raw[2:4]) {
	case kdfNone:
	case kdfScrypt:
		if len(password) == 0 {
			return SecretKey{}, fmt.Errorf("secret key: %w", ErrNeedPassword)
		}
		params := kdfParams{
			ops: binary.LittleEndian.Uint64(raw[38:46]),
			mem: binary.LittleEndian.Uint64(raw[46:54]),
		}
		if err := params.xor(body, password, raw[6:38]); err != nil {
			return SecretKey{}, err
		}
	default:
		return SecretKey{}, fmt.Errorf("secret key: %w: unknown key derivation %q", ErrMalformed, raw[2:4])
	}
	k := SecretKey{ID: KeyID(body[:8]), Key: ed25519.NewKeyFromSeed(body[8:40])}
	// 'minisign -W' leaves the checksum of unencrypted keys zero; the
	// public half stored after the seed still has to match.
	unchecked := [2]byte(raw[2:4]) == kdfNone && bytes.Equal(body[72:], make([]byte, 32))
	if !bytes.Equal(k.Key, body[8:72]) || (!unchecked && subtle.ConstantTimeCompare(k.checksum(), body[72:]) != 1) {
		return SecretKey{}, fmt.Errorf("secret key: %w", ErrWrongPassword)
	}
	return k, nil
}

// secretKeyBytes decodes the base64 line after the comment.
func secretKeyBytes(data []byte) ([]byte, error) {
	text := strings.TrimSpace(string(data))
	comment, line, found := strings.Cut(text, "\n")
	if !found || !strings.HasPrefix(comment, untrustedPrefix) {
		return nil, fmt.Errorf("secret key: %w: want a comment line, then the key", ErrMalformed)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(line))
	if err != nil || len(raw) != secretKeyLen {
		return nil, fmt.Errorf("secret key: %w: want the base64 of %d bytes", ErrMalformed, secretKeyLen)
	}
	return raw, nil
}

// File is k as an unencrypted minisign secret key file, the form
// 'minisign -G -W' writes. Keep it private (mode 0600).
func (k SecretKey) File() []byte {
	raw, _ := k.encode(nil, kdfParams{}, nil)
	return k.frame(raw, "minisign secret key (unencrypted)")
}

// EncryptedFile is k as a minisign secret key file encrypted with
// password. salt must come from a random source (32 bytes are read); ops
// and mem are libsodium's scrypt limits (zero: minisign's defaults).
func (k SecretKey) EncryptedFile(password []byte, salt io.Reader, ops, mem uint64) ([]byte, error) {
	if ops == 0 && mem == 0 {
		ops, mem = defaultOpsLimit, defaultMemLimit
	}
	raw, err := k.encode(password, kdfParams{ops: ops, mem: mem}, salt)
	if err != nil {
		return nil, err
	}
	return k.frame(raw, "minisign encrypted secret key"), nil
}

func (k SecretKey) frame(raw []byte, comment string) []byte {
	return []byte(untrustedPrefix + comment + "\n" + base64.StdEncoding.EncodeToString(raw) + "\n")
}

func (k SecretKey) encode(password []byte, params kdfParams, salt io.Reader) ([]byte, error) {
	raw := make([]byte, secretHeaderLen, secretKeyLen)
	copy(raw[0:2], algEd25519[:])
	copy(raw[4:6], chkBlake2[:])
	raw = append(raw, k.ID[:]...)
	raw = append(raw, k.Key...)
	raw = append(raw, k.checksum()...)
	if password == nil {
		return raw, nil
	}
	copy(raw[2:4], kdfScrypt[:])
	if _, err := io.ReadFull(salt, raw[6:38]); err != nil {
		return nil, fmt.Errorf("secret key salt: %w", err)
	}
	binary.LittleEndian.PutUint64(raw[38:46], params.ops)
	binary.LittleEndian.PutUint64(raw[46:54], params.mem)
	if err := params.xor(raw[secretHeaderLen:], password, raw[6:38]); err != nil {
		return nil, err
	}
	return raw, nil
}

func (k SecretKey) checksum() []byte {
	h, _ := blake2b.New256(nil)
	h.Write(algEd25519[:])
	h.Write(k.ID[:])
	h.Write(k.Key)
	return h.Sum(nil)
}
