package release

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparelink/sparelink/internal/identity"
)

// DefaultThrowawayKey is where local builds keep their throwaway release
// key, so that 'make release' and 'make packages' sign with the same one.
const DefaultThrowawayKey = "bin/throwaway-release.key"

// KeyConfig says where the release key comes from. The zero value uses a
// throwaway key at DefaultThrowawayKey.
type KeyConfig struct {
	// Path is a minisign secret key file (mode 0600), as RELEASE_KEY
	// names it. Empty means a throwaway key: fine for a local build,
	// useless for anyone else.
	Path string
	// Password decrypts an encrypted key file.
	Password []byte
	// ThrowawayPath keeps the throwaway key (default DefaultThrowawayKey).
	ThrowawayPath string
	// Warnings receives the loud notice that a throwaway key is used
	// (default: discarded).
	Warnings io.Writer
	// Rand makes throwaway keys (default crypto/rand's Reader).
	Rand io.Reader
}

// LoadKey returns the release key cfg names, or the throwaway key, made
// on first use. throwaway reports which.
func LoadKey(cfg KeyConfig) (key SecretKey, throwaway bool, err error) {
	if cfg.Path != "" {
		data, err := identity.ReadSecretFile(cfg.Path)
		if err != nil {
			return SecretKey{}, false, fmt.Errorf("release key: %w", err)
		}
		key, err := ParseSecretKey(data, cfg.Password)
		if err != nil {
			return SecretKey{}, false, fmt.Errorf("release key %s: %w", cfg.Path, err)
		}
		return key, false, nil
	}
	path := cfg.ThrowawayPath
	if path == "" {
		path = DefaultThrowawayKey
	}
	if w := cfg.Warnings; w != nil {
		bar := strings.Repeat("!", 76)
		fmt.Fprintf(w, "%s\n!! RELEASE_KEY is not set: signing with a THROWAWAY key (%s).\n"+
			"!! This build is for local tests only; nobody else can trust its signature.\n"+
			"!! Set RELEASE_KEY=/path/to/minisign.key (mode 0600) for a real release.\n%s\n", bar, path, bar)
	}
	data, err := identity.ReadSecretFile(path)
	if err == nil {
		key, err := ParseSecretKey(data, nil)
		return key, true, err
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return SecretKey{}, true, fmt.Errorf("throwaway key: %w", err)
	}
	r := cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	if key, err = GenerateKey(r); err != nil {
		return SecretKey{}, true, err
	}
	if err := identity.WriteSecretFile(path, key.File()); err != nil {
		return SecretKey{}, true, fmt.Errorf("throwaway key: %w", err)
	}
	return key, true, nil
}

// PublicKeyFile is the name of the release's public key in a release
// directory. It is a convenience for people who already trust it; the
// key to check a release with must come from somewhere else.
const PublicKeyFile = "sparelink-release.pub"

// SignRelease signs every regular file of dir (but SHA256SUMS, its
// signature and hidden files) into SHA256SUMS and SHA256SUMS.minisig.
func SignRelease(dir string, key SecretKey, trustedComment string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sign release: %w", err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || n == SumsFile || n == SigFile || strings.HasPrefix(n, ".") {
			continue
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("sign release %s: %w", filepath.Clean(dir), ErrNoFiles)
	}
	return names, SignDir(dir, names, key, trustedComment)
}

// pubkeyMarker is the line of installer/install.sh that a release fills
// with its public key.
const pubkeyMarker = `RELEASE_PUBKEY=""`

// StampPublicKey returns the install script with the release's public
// key written into its RELEASE_PUBKEY line, so that the script checks
// downloads against the key of the release it came with.
func StampPublicKey(script []byte, key PublicKey) ([]byte, error) {
	lines := strings.Split(string(script), "\n")
	found := 0
	for i, l := range lines {
		if l == pubkeyMarker {
			lines[i] = `RELEASE_PUBKEY="` + key.String() + `"`
			found++
		}
	}
	if found != 1 {
		return nil, fmt.Errorf("stamp public key: want exactly one line %s in the script, found %d", pubkeyMarker, found)
	}
	return []byte(strings.Join(lines, "\n")), nil
}
