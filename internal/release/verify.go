package release

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNoFiles means a release directory holds none of the files its
// SHA256SUMS lists, so nothing was checked.
var ErrNoFiles = errors.New("no listed file is present")

// SignDir writes SHA256SUMS for the named files of dir and signs it into
// SHA256SUMS.minisig with key. trustedComment (one line) is signed too;
// verifiers print it.
func SignDir(dir string, names []string, key SecretKey, trustedComment string) error {
	sums, err := HashFiles(dir, names)
	if err != nil {
		return err
	}
	data := FormatSums(sums)
	sig, err := key.Sign(data, trustedComment)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, SumsFile), data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", SumsFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, SigFile), sig, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", SigFile, err)
	}
	return nil
}

// Verified is what VerifyDir checked.
type Verified struct {
	// TrustedComment is the signed comment of SHA256SUMS.minisig.
	TrustedComment string
	// Checked names the files whose SHA-256 matched.
	Checked []string
}

// VerifyDir checks a release directory offline: that SHA256SUMS is signed
// by key, then that the files it lists match it. With ignoreMissing,
// listed files that are absent are skipped, but at least one must be
// there.
func VerifyDir(dir string, key PublicKey, ignoreMissing bool) (Verified, error) {
	data, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		return Verified{}, fmt.Errorf("verify release: %w", err)
	}
	sig, err := os.ReadFile(filepath.Join(dir, SigFile))
	if err != nil {
		return Verified{}, fmt.Errorf("verify release: %w", err)
	}
	comment, err := Verify(key, data, sig)
	if err != nil {
		return Verified{}, fmt.Errorf("verify release %s: %w", SumsFile, err)
	}
	sums, err := ParseSums(data)
	if err != nil {
		return Verified{}, fmt.Errorf("verify release: %w", err)
	}
	checked, err := Check(dir, sums, ignoreMissing)
	if err != nil {
		return Verified{}, fmt.Errorf("verify release: %w", err)
	}
	if len(checked) == 0 {
		return Verified{}, fmt.Errorf("verify release %s: %w", dir, ErrNoFiles)
	}
	return Verified{TrustedComment: comment, Checked: checked}, nil
}
