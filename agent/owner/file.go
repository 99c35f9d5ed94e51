package owner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sparelink/sparelink/internal/identity"
)

// File names inside the agent's data directory.
const (
	SettingsFile = "settings.json"
	UsageFile    = "usage.json"
)

// FileVersion is the version of the settings and usage files this build
// writes and reads.
const FileVersion = 1

// maxDocument bounds a settings document read from a file or a request.
const maxDocument = 64 << 10

// ErrDecode is wrapped by errors about a settings document's syntax.
var ErrDecode = errors.New("malformed settings")

// Decode reads a JSON settings document over base: fields the document
// names replace base's, others keep base's value. It is strict, for input
// from the network: an unknown field, trailing data or a bad value is an
// error. A whole document over Settings{} replaces the settings.
func Decode(data []byte, base Settings) (Settings, error) {
	if len(data) > maxDocument {
		return Settings{}, fmt.Errorf("%w: larger than %d bytes", ErrDecode, maxDocument)
	}
	s := base
	s.EgressAllow = append([]string(nil), base.EgressAllow...)
	s.EgressDeny = append([]string(nil), base.EgressDeny...)
	if err := decodeStrict(data, &s); err != nil {
		return Settings{}, err
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON object", ErrDecode)
	}
	return nil
}

// settingsFile is settings.json: the settings and a version.
type settingsFile struct {
	Version int `json:"version"`
	Settings
}

// usageFile is usage.json.
type usageFile struct {
	Version int `json:"version"`
	Usage
}

// LoadSettings reads dir's settings file; found is false, with the zero
// settings, when there is none yet.
func LoadSettings(dir string) (s Settings, found bool, err error) {
	var f settingsFile
	if found, err = readVersioned(filepath.Join(dir, SettingsFile), &f, &f.Version); !found || err != nil {
		return Settings{}, found, err
	}
	if err := f.Settings.Validate(); err != nil {
		return Settings{}, true, fmt.Errorf("settings file %s: %w", filepath.Join(dir, SettingsFile), err)
	}
	return f.Settings, true, nil
}

// SaveSettings writes dir's settings file, 0600, atomically.
func SaveSettings(dir string, s Settings) error {
	return writeAtomic(filepath.Join(dir, SettingsFile), settingsFile{Version: FileVersion, Settings: s})
}

// LoadUsage reads dir's usage file; the zero Usage when there is none.
func LoadUsage(dir string) (Usage, error) {
	var f usageFile
	_, err := readVersioned(filepath.Join(dir, UsageFile), &f, &f.Version)
	return f.Usage, err
}

// SaveUsage writes dir's usage file, 0600, atomically.
func SaveUsage(dir string, u Usage) error {
	return writeAtomic(filepath.Join(dir, UsageFile), usageFile{Version: FileVersion, Usage: u})
}

// readVersioned decodes path strictly into v and checks *version.
func readVersioned(path string, v any, version *int) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxDocument {
		return true, fmt.Errorf("read %s: %w: larger than %d bytes", path, ErrDecode, maxDocument)
	}
	if err := decodeStrict(data, v); err != nil {
		return true, fmt.Errorf("read %s: %w", path, err)
	}
	if *version != FileVersion {
		return true, fmt.Errorf("read %s: version %d is not supported (this build reads version %d)", path, *version, FileVersion)
	}
	return true, nil
}

// writeAtomic writes v as JSON to path with 0600 permissions: readers see
// the old file or the whole new one, also after a power cut.
func writeAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return identity.WriteSecretFile(path, append(data, '\n'))
}
