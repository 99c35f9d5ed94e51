package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// EnvPrefix is the one prefix every SpareLink environment knob shares.
const EnvPrefix = "SPARELINK_"

// ConfigVersion is the config file version this build reads.
const ConfigVersion = 1

// EnvName is the environment variable that sets a flag: --log-level is
// SPARELINK_LOG_LEVEL. Every knob is a flag, so this is the registry.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// LoadConfig fills every flag of fs that the command line did not set: from
// its environment variable if present, else from the config file at path
// (when path is not empty). Precedence is flags, then environment, then
// file, then the flag's default.
//
// The file is JSON: {"version": 1, "<flag-name>": value, …}. It is decoded
// strictly: a missing or unknown version, an unknown setting or a value the
// flag rejects is an error naming the setting.
func LoadConfig(fs *pflag.FlagSet, path string) error {
	file, err := readConfigFile(path)
	if err != nil {
		return err
	}
	for name := range file {
		if fs.Lookup(name) == nil || name == "config" {
			return fmt.Errorf("config %s: unknown setting %q (settings are flag names: see --help)", path, name)
		}
	}
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		if v, ok := os.LookupEnv(EnvName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("environment %s: %w", EnvName(f.Name), err))
			}
			return
		}
		if raw, ok := file[f.Name]; ok {
			if err := setFromJSON(fs, f.Name, raw); err != nil {
				errs = append(errs, fmt.Errorf("config %s: setting %q: %w", path, f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

func readConfigFile(path string) (map[string]json.RawMessage, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var file map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("config %s: trailing data after the JSON object", path)
	}
	var version int
	if raw, ok := file["version"]; !ok {
		return nil, fmt.Errorf("config %s: missing \"version\" (this build reads version %d)", path, ConfigVersion)
	} else if err := json.Unmarshal(raw, &version); err != nil || version != ConfigVersion {
		return nil, fmt.Errorf("config %s: version %s is not supported (this build reads version %d)", path, raw, ConfigVersion)
	}
	delete(file, "version")
	return file, nil
}

// setFromJSON sets a flag from a JSON string, number, boolean or array of
// those (for list flags).
func setFromJSON(fs *pflag.FlagSet, name string, raw json.RawMessage) error {
	var list []any
	if err := json.Unmarshal(raw, &list); err == nil {
		parts := make([]string, 0, len(list))
		for _, v := range list {
			s, err := scalar(v)
			if err != nil {
				return err
			}
			parts = append(parts, s)
		}
		return fs.Set(name, strings.Join(parts, ","))
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	s, err := scalar(v)
	if err != nil {
		return err
	}
	return fs.Set(name, s)
}

func scalar(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("want a string, number, boolean or list of those, got %T", v)
}

// Settings lists the names a config file may use, for help texts.
func Settings(fs *pflag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "config" && f.Name != "help" && f.Name != "version" {
			names = append(names, f.Name)
		}
	})
	sort.Strings(names)
	return names
}
