package release

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File names of a release's checksums and their signature.
const (
	SumsFile = "SHA256SUMS"
	SigFile  = "SHA256SUMS.minisig"
)

var (
	// ErrMismatch means a file's SHA-256 differs from SHA256SUMS.
	ErrMismatch = errors.New("checksum mismatch")
	// ErrMissing means a file SHA256SUMS lists is not there.
	ErrMissing = errors.New("listed file is missing")
)

// Sum is one line of SHA256SUMS.
type Sum struct {
	Name   string
	Digest [sha256.Size]byte
}

// ParseSums reads a SHA256SUMS file in the format sha256sum writes
// ("<hex>  <name>", or "<hex> *<name>" in binary mode). Names must be
// plain file names: a sums file cannot point outside its directory.
func ParseSums(data []byte) ([]Sum, error) {
	var sums []Sum
	seen := make(map[string]bool)
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		s, err := parseSumLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", SumsFile, i+1, err)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("%s line %d: %w: %q is listed twice", SumsFile, i+1, ErrMalformed, s.Name)
		}
		seen[s.Name] = true
		sums = append(sums, s)
	}
	return sums, nil
}

func parseSumLine(line string) (Sum, error) {
	hexSum, name, ok := strings.Cut(line, " ")
	if !ok || len(hexSum) != 2*sha256.Size || len(name) < 2 || (name[0] != ' ' && name[0] != '*') {
		return Sum{}, fmt.Errorf("%w: want \"<sha256 hex>  <name>\"", ErrMalformed)
	}
	var s Sum
	if _, err := hex.Decode(s.Digest[:], []byte(hexSum)); err != nil {
		return Sum{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	s.Name = name[1:]
	if !plainName(s.Name) {
		return Sum{}, fmt.Errorf("%w: %q is not a plain file name", ErrMalformed, s.Name)
	}
	return s, nil
}

func plainName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00")
}

// FormatSums writes sums as sha256sum does, sorted by name.
func FormatSums(sums []Sum) []byte {
	sorted := append([]Sum(nil), sums...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var b strings.Builder
	for _, s := range sorted {
		fmt.Fprintf(&b, "%x  %s\n", s.Digest, s.Name)
	}
	return []byte(b.String())
}

// HashFile returns the SHA-256 of the file at path.
func HashFile(path string) ([sha256.Size]byte, error) {
	var d [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return d, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return d, fmt.Errorf("hash %s: %w", path, err)
	}
	copy(d[:], h.Sum(nil))
	return d, nil
}

// HashFiles returns the sums of the named files in dir.
func HashFiles(dir string, names []string) ([]Sum, error) {
	sums := make([]Sum, 0, len(names))
	for _, n := range names {
		if !plainName(n) {
			return nil, fmt.Errorf("hash %q: not a plain file name", n)
		}
		d, err := HashFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("hash: %w", err)
		}
		sums = append(sums, Sum{Name: n, Digest: d})
	}
	return sums, nil
}

// Check compares the files in dir with sums and returns the names it
// checked. With ignoreMissing, files that are not in dir are skipped (a
// download of one package next to the release's SHA256SUMS); otherwise
// each is an ErrMissing.
func Check(dir string, sums []Sum, ignoreMissing bool) ([]string, error) {
	var checked []string
	for _, s := range sums {
		d, err := HashFile(filepath.Join(dir, s.Name))
		switch {
		case errors.Is(err, fs.ErrNotExist) && ignoreMissing:
			continue
		case errors.Is(err, fs.ErrNotExist):
			return checked, fmt.Errorf("%s: %w", s.Name, ErrMissing)
		case err != nil:
			return checked, err
		case d != s.Digest:
			return checked, fmt.Errorf("%s: %w", s.Name, ErrMismatch)
		}
		checked = append(checked, s.Name)
	}
	return checked, nil
}
