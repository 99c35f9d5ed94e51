package packaging

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// checkIPK opens an ipk as opkg does: a gzip'd tar of debian-binary,
// control.tar.gz and data.tar.gz.
func checkIPK(t *testing.T, p Package, data []byte) {
	t.Helper()
	outer, _ := tarFiles(t, data, true)
	if outer["debian-binary"] != "2.0\n" {
		t.Errorf("debian-binary: got %q, want %q", outer["debian-binary"], "2.0\n")
	}
	control, _ := tarFiles(t, []byte(outer["control.tar.gz"]), true)
	checkControl(t, p, control["control"], "all")
	if s := control["postinst"]; !strings.Contains(s, "/etc/init.d/"+p.Binary+" enable") || strings.Contains(s, "@NAME@") {
		t.Errorf("postinst: got %q, want it to enable /etc/init.d/%s", s, p.Binary)
	}
	files, modes := tarFiles(t, []byte(outer["data.tar.gz"]), true)
	want := map[string]int64{"usr/bin/" + p.Binary: 0o755, "etc/init.d/" + p.Binary: 0o755}
	if p.Binary == "sparelink-agent" {
		want["etc/config/sparelink"] = 0o644
	} else {
		want["etc/sparelink/relay.env"] = 0o640
	}
	checkModes(t, files, modes, want)
	if !strings.Contains(control["conffiles"], "/etc/") {
		t.Errorf("conffiles: got %q, want the config files listed", control["conffiles"])
	}
}

// checkDeb reads the ar archive of a .deb.
func checkDeb(t *testing.T, p Package, data []byte) {
	t.Helper()
	members := arMembers(t, data)
	control, _ := tarFiles(t, []byte(members["control.tar.gz"]), true)
	checkControl(t, p, control["control"], "")
	if s := control["postinst"]; !strings.Contains(s, "useradd --system") || strings.Contains(s, "@NAME@") {
		t.Errorf("postinst: got %q, want it to create the system user", s)
	}
	files, modes := tarFiles(t, []byte(members["data.tar.gz"]), true)
	checkModes(t, files, modes, map[string]int64{
		"usr/bin/" + p.Binary:                                                   0o755,
		"usr/lib/systemd/system/" + p.Binary + ".service":                       0o644,
		"etc/sparelink/" + strings.TrimPrefix(p.Binary, "sparelink-") + ".json": 0o644,
	})
}

func checkAPK(t *testing.T, p Package, data []byte) {
	t.Helper()
	// An apk is gzip streams one after the other; the first unsigned one
	// holds .PKGINFO and the install scripts.
	files, _ := tarFiles(t, data, true)
	info := files[".PKGINFO"]
	if !strings.Contains(info, "pkgname = "+p.Binary) || !strings.Contains(info, "pkgver = 1.2.3") {
		t.Errorf(".PKGINFO: got %q, want %s 1.2.3", info, p.Binary)
	}
}

func checkControl(t *testing.T, p Package, control, arch string) {
	t.Helper()
	for _, want := range []string{"Package: " + p.Binary, "Version: 1.2.3", "Architecture: " + arch} {
		if !strings.Contains(control, want) {
			t.Errorf("control: got %q, want a line %q", control, want)
		}
	}
}

func checkModes(t *testing.T, files map[string]string, modes map[string]int64, want map[string]int64) {
	t.Helper()
	for name, mode := range want {
		if _, ok := files[name]; !ok {
			t.Errorf("got no %s in the package", name)
			continue
		}
		if modes[name]&0o7777 != mode {
			t.Errorf("%s: got mode %o, want %o", name, modes[name]&0o7777, mode)
		}
	}
}

// arMembers reads a Unix ar archive: "!<arch>\n", then a 60-byte header
// (name, ..., decimal size at 48..58) before each member, padded to even
// length.
func arMembers(t *testing.T, data []byte) map[string]string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("!<arch>\n")) {
		t.Fatalf("not an ar archive")
	}
	members := map[string]string{}
	for rest := data[8:]; len(rest) >= 60; {
		name := strings.TrimRight(strings.TrimSpace(string(rest[:16])), "/")
		size, err := strconv.Atoi(strings.TrimSpace(string(rest[48:58])))
		if err != nil || 60+size > len(rest) {
			t.Fatalf("ar member %q: bad size", name)
		}
		members[name] = string(rest[60 : 60+size])
		rest = rest[60+size+size%2:]
	}
	return members
}
