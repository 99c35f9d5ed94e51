package brokerd_test

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/broker/brokerd"
)

func TestParseStoreURL(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want brokerd.StoreSpec // zero: want ErrStoreURL
	}{
		{"sqlite absolute", "sqlite:///var/lib/sparelink/broker.db", brokerd.StoreSpec{Kind: "sqlite", Path: "/var/lib/sparelink/broker.db"}},
		{"sqlite one slash", "sqlite:/srv/broker.db", brokerd.StoreSpec{Kind: "sqlite", Path: "/srv/broker.db"}},
		{"sqlite relative", "sqlite:data/broker.db", brokerd.StoreSpec{Kind: "sqlite", Path: "data/broker.db"}},
		{"sqlite escaped space", "sqlite:///tmp/my%20dir/broker.db", brokerd.StoreSpec{Kind: "sqlite", Path: "/tmp/my dir/broker.db"}},
		{"sqlite upper-case scheme", "SQLITE:///b.db", brokerd.StoreSpec{Kind: "sqlite", Path: "/b.db"}},
		{"postgres", "postgres://u:pw@db.internal:5432/market?sslmode=require",
			brokerd.StoreSpec{Kind: "postgres", URL: "postgres://u:pw@db.internal:5432/market?sslmode=require"}},
		{"postgresql", "postgresql://u@127.0.0.1/market", brokerd.StoreSpec{Kind: "postgres", URL: "postgresql://u@127.0.0.1/market"}},
		{"sqlite with host", "sqlite://data/broker.db", brokerd.StoreSpec{}},
		{"sqlite with user", "sqlite://me@/broker.db", brokerd.StoreSpec{}},
		{"sqlite with query", "sqlite:///b.db?mode=ro", brokerd.StoreSpec{}},
		{"sqlite with fragment", "sqlite:///b.db#x", brokerd.StoreSpec{}},
		{"sqlite without file", "sqlite://", brokerd.StoreSpec{}},
		{"sqlite bad escape", "sqlite:a%zz.db", brokerd.StoreSpec{}},
		{"bare path", "/var/lib/broker.db", brokerd.StoreSpec{}},
		{"empty", "", brokerd.StoreSpec{}},
		{"mysql", "mysql://u:pw@h/db", brokerd.StoreSpec{}},
		{"file", "file:///b.db", brokerd.StoreSpec{}},
		{"postgres without slashes", "postgres:u:pw@h/db", brokerd.StoreSpec{}},
		{"unparsable", "postgres://u:pw@[::1/db", brokerd.StoreSpec{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := brokerd.ParseStoreURL(tt.raw)
			if tt.want == (brokerd.StoreSpec{}) {
				if !errors.Is(err, brokerd.ErrStoreURL) {
					t.Fatalf("ParseStoreURL(%q): got %+v, %v; want %v", tt.raw, got, err, brokerd.ErrStoreURL)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("ParseStoreURL(%q): error %q repeats the password", tt.raw, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseStoreURL(%q): got %+v, %v; want %+v", tt.raw, got, err, tt.want)
			}
		})
	}
}

func TestDefaultStoreURL(t *testing.T) {
	base := t.TempDir()
	tests := []struct{ name, dataDir string }{
		{"plain", filepath.Join(base, "data")},
		{"odd characters", filepath.Join(base, "my data #1 ?%")},
		{"relative", "sparelink-broker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := brokerd.DefaultStoreURL(tt.dataDir)
			if err != nil {
				t.Fatalf("DefaultStoreURL: %v", err)
			}
			want, _ := filepath.Abs(filepath.Join(tt.dataDir, "broker.db"))
			spec, err := brokerd.ParseStoreURL(raw)
			if err != nil || spec.Kind != brokerd.KindSQLite || spec.Path != want || !strings.HasPrefix(raw, "sqlite:///") {
				t.Errorf("DefaultStoreURL(%q) = %q, parsed %+v, %v; want sqlite:/// of %q", tt.dataDir, raw, spec, err, want)
			}
		})
	}
}

func TestStoreSpecString(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"sqlite", "sqlite:///srv/b.db", "sqlite:/srv/b.db"},
		{"postgres password", "postgres://u:hunter2@h:5432/db", "postgres://u:xxxxx@h:5432/db"},
		{"postgres password in query", "postgres://u@h/db?password=hunter2&sslmode=require", "postgres://u@h/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := brokerd.ParseStoreURL(tt.raw)
			if err != nil {
				t.Fatalf("ParseStoreURL: %v", err)
			}
			if got := spec.String(); got != tt.want {
				t.Errorf("String(): got %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzParseStoreURL checks that any string either parses into a usable
// spec or fails with ErrStoreURL, and that neither errors nor descriptions
// repeat the password of the URL's user information.
func FuzzParseStoreURL(f *testing.F) {
	for _, s := range []string{"sqlite:///a/b.db", "sqlite:rel.db", "postgres://u:correct-horse-battery@h/db", "x://y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		spec, err := brokerd.ParseStoreURL(raw)
		pw := password(raw)
		switch {
		case err != nil && !errors.Is(err, brokerd.ErrStoreURL):
			t.Fatalf("ParseStoreURL(%q): got %v, want ErrStoreURL", raw, err)
		case err != nil && pw != "" && strings.Contains(err.Error(), pw):
			t.Fatalf("ParseStoreURL(%q): error %q repeats the password", raw, err)
		case err != nil:
		case spec.Kind == brokerd.KindSQLite && (spec.Path == "" || spec.URL != ""):
			t.Fatalf("ParseStoreURL(%q): sqlite spec %+v, want a path only", raw, spec)
		case spec.Kind == brokerd.KindPostgres && (spec.URL != raw || spec.Path != ""):
			t.Fatalf("ParseStoreURL(%q): postgres spec %+v, want the URL as given", raw, spec)
		case spec.Kind != brokerd.KindSQLite && spec.Kind != brokerd.KindPostgres:
			t.Fatalf("ParseStoreURL(%q): unknown kind in %+v", raw, spec)
		case pw != "" && strings.Contains(spec.String(), pw):
			t.Fatalf("String() of %q = %q repeats the password", raw, spec.String())
		}
	})
}

// minSecret is the shortest password the fuzz target looks for in
// outputs: shorter ones may match fixed words of the messages by chance.
const minSecret = 16

// password is the password in raw's user information, if it has one of at
// least minSecret bytes that appears nowhere else in raw (else no output
// could avoid repeating it).
func password(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	if len(pw) < minSecret || strings.Contains(strings.Replace(raw, u.User.String()+"@", "@", 1), pw) {
		return ""
	}
	return pw
}
