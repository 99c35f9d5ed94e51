package identity

import (
	"fmt"
	"os"
	"path/filepath"
)

// ReadSecretFile reads a file of secrets (a key, a token), refusing one
// that group or others may read, as ssh does. Errors wrap fs.ErrNotExist
// when the file is missing.
func ReadSecretFile(path string) ([]byte, error) {
	return readPrivateFile(path, "secret file")
}

// WriteSecretFile writes data to path with 0600 permissions, atomically
// and durably, creating the directory (0700) if needed.
func WriteSecretFile(path string, data []byte) error {
	return writePrivateFile(path, data, "secret file")
}

// readPrivateFile reads a secret file, refusing one that group or others
// may read. what names the secret in errors.
func readPrivateFile(path, what string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("load %s %s: permissions %o are too open, want 0600", what, path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", what, err)
	}
	return data, nil
}

// writePrivateFile writes data to path with 0600 permissions, atomically:
// a reader sees the old file or the whole new one, never a part. what
// names the secret in errors.
func writePrivateFile(path string, data []byte, what string) error {
	if err := writeTemp(path, data); err != nil {
		return fmt.Errorf("save %s: %w", what, err)
	}
	return nil
}

func writeTemp(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".keyfile-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	// A router may lose power right after first start: the key must be on
	// disk before the rename makes it the key.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
