package release

import (
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// minisign encrypts secret keys with libsodium's scryptsalsa208sha256 at
// its "sensitive" limits: 1 GiB of memory, about a second or two of work.
const (
	defaultOpsLimit = 33554432
	defaultMemLimit = 1073741824
	// maxScryptMemory bounds what a key file may ask for, so that a
	// damaged file cannot make us allocate without limit.
	maxScryptMemory = 2 << 30
)

// kdfParams are libsodium's scrypt limits as a secret key file stores
// them.
type kdfParams struct{ ops, mem uint64 }

// scryptParams turns libsodium's limits into scrypt's N (as log2), r and
// p, the way libsodium's pickparams does, so that keys encrypted by
// minisign decrypt here and the other way round.
func (k kdfParams) scryptParams() (logN uint, r, p int) {
	ops := max(k.ops, 32768)
	r = 8
	var maxN uint64
	if ops < k.mem/32 {
		p = 1
		maxN = ops / (uint64(r) * 4)
	} else {
		maxN = k.mem / (uint64(r) * 128)
	}
	for logN = 1; logN < 63; logN++ {
		if uint64(1)<<logN > maxN/2 {
			break
		}
	}
	if ops >= k.mem/32 {
		maxrp := (ops / 4) / (uint64(1) << logN)
		maxrp = min(maxrp, 0x3fffffff)
		p = int(maxrp) / r
	}
	return logN, r, p
}

// xor decrypts or encrypts body in place with the scrypt stream of
// password and salt.
func (k kdfParams) xor(body, password, salt []byte) error {
	logN, r, p := k.scryptParams()
	if logN > 40 || uint64(128*r)<<logN > maxScryptMemory || p < 1 {
		return fmt.Errorf("secret key: %w: scrypt limits ops=%d mem=%d are out of range", ErrMalformed, k.ops, k.mem)
	}
	stream, err := scrypt.Key(password, salt, 1<<logN, r, p, len(body))
	if err != nil {
		return fmt.Errorf("secret key: derive key: %w", err)
	}
	for i := range body {
		body[i] ^= stream[i]
	}
	return nil
}
