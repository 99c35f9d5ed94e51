// Package profile keeps a buyer's login between runs of the sparelink
// command: the broker URL and the API key, in one small JSON file in the
// user's configuration directory that only the user can read. It is not a
// credential store for servers; daemons take keys from flags or the
// environment.
package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Version is the file version this build writes and reads.
const Version = 1

// File modes: the key is a secret, so the file and its directory are the
// user's alone.
const (
	fileMode = 0o600
	dirMode  = 0o700
)

var (
	// ErrNotLoggedIn means there is no login file yet.
	ErrNotLoggedIn = errors.New("not logged in: run `sparelink login` first")
	// ErrInsecure means the login file can be read by other users.
	ErrInsecure = errors.New("login file is readable by other users")
)

// Profile is what `sparelink login` stores.
type Profile struct {
	Version   int    `json:"version"`
	BrokerURL string `json:"broker_url"`
	Key       string `json:"key"`
}

// DefaultPath is sparelink/login.json under the user's configuration
// directory ($XDG_CONFIG_HOME or ~/.config on Linux).
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration directory: %w", err)
	}
	return filepath.Join(dir, "sparelink", "login.json"), nil
}

// Save writes p to path with mode 0600, creating its directory with mode
// 0700. The file is replaced whole, so a crash never leaves half a key.
func Save(path string, p Profile) error {
	if p.BrokerURL == "" || p.Key == "" {
		return errors.New("save login: broker URL and key are both required")
	}
	p.Version = Version
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".login-*")
	if err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeClose(tmp, append(data, '\n')); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	return nil
}

func writeClose(f *os.File, data []byte) error {
	if err := f.Chmod(fileMode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Load reads the login at path. A missing file is ErrNotLoggedIn; a file
// other users may read is refused with ErrInsecure, as ssh refuses a key
// file, so that a leaked key is noticed rather than used.
func Load(path string) (Profile, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Profile{}, ErrNotLoggedIn
	}
	if err != nil {
		return Profile{}, fmt.Errorf("read login: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return Profile{}, fmt.Errorf("%w: %s has mode %v; run chmod 600 on it", ErrInsecure, path, st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("read login: %w", err)
	}
	return decode(path, data)
}

// decode reads a login file strictly: unknown fields and other versions
// are errors.
func decode(path string, data []byte) (Profile, error) {
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("read login %s: %w", path, err)
	}
	if p.Version != Version {
		return Profile{}, fmt.Errorf("read login %s: version %d is not supported (this build reads %d)", path, p.Version, Version)
	}
	if p.BrokerURL == "" || p.Key == "" || strings.ContainsAny(p.Key, " \t\r\n") {
		return Profile{}, fmt.Errorf("read login %s: broker URL or key missing or malformed", path)
	}
	return p, nil
}
