package profile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "sparelink", "login.json")
	want := Profile{Version: Version, BrokerURL: "http://127.0.0.1:8400", Key: "sl_buyer_a_b"}
	if _, err := Load(path); !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("Load before Save: got %v, want ErrNotLoggedIn", err)
	}
	if err := Save(path, Profile{BrokerURL: want.BrokerURL, Key: want.Key}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := Load(path)
	if err != nil || got != want {
		t.Fatalf("Load: got %+v, %v; want %+v", got, err, want)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: got mode %v (%v), want %v", p, st.Mode().Perm(), err, mode)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("got %d files beside the login, want none left over", len(entries)-1)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr error // nil: any error
	}{
		{"readable by others", `{"version":1,"broker_url":"http://b","key":"k"}`, 0o644, ErrInsecure},
		{"unknown field", `{"version":1,"broker_url":"http://b","key":"k","extra":1}`, 0o600, nil},
		{"other version", `{"version":2,"broker_url":"http://b","key":"k"}`, 0o600, nil},
		{"no key", `{"version":1,"broker_url":"http://b"}`, 0o600, nil},
		{"key with newline", `{"version":1,"broker_url":"http://b","key":"k\n"}`, 0o600, nil},
		{"not json", `broker=http://b`, 0o600, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "login.json")
			if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("got %v, want an error (%v)", err, tt.wantErr)
			}
		})
	}
	if err := Save(filepath.Join(t.TempDir(), "x.json"), Profile{BrokerURL: "http://b"}); err == nil {
		t.Errorf("Save without a key: got nil, want an error")
	}
}
