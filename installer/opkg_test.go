package installer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// Debian does not package opkg, so the tests install an ipk into an
// offline OpenWrt root the way 'opkg --offline-root ROOT install' does,
// step by step:
//
//  1. the ipk is a gzip'd tar of debian-binary, control.tar.gz and
//     data.tar.gz;
//  2. the control files go to ROOT/usr/lib/opkg/info/<package>.<name>;
//  3. data.tar.gz is unpacked into ROOT, except that a conffile the owner
//     changed since it was installed is kept, and the package's copy is
//     put next to it as <file>-opkg;
//  4. the file list goes to info/<package>.list and the conffiles'
//     checksums to ROOT/usr/lib/opkg/status;
//  5. postinst runs with IPKG_INSTROOT (and PKG_ROOT) set to ROOT.
//
// Removal runs prerm the same way (opkgPrerm).

// opkgInfo is where opkg keeps what it knows of installed packages.
const opkgInfo = "usr/lib/opkg/info"

// tarFile is one regular file or directory of an archive.
type tarFile struct {
	name string // cleaned, relative: "usr/bin/sparelink-agent"
	mode os.FileMode
	dir  bool
	body []byte
}

// readTarGz reads a gzip'd tar holding only files and directories.
func readTarGz(t *testing.T, data []byte) []tarFile {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ipk: %v", err)
	}
	tr := tar.NewReader(zr)
	var files []tarFile
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("ipk: %v", err)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if name == "." || name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			continue
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir {
			t.Fatalf("ipk: %s: got entry type %q, want only files and directories", name, hdr.Typeflag)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("ipk: %s: %v", name, err)
		}
		files = append(files, tarFile{name, os.FileMode(hdr.Mode) & os.ModePerm, hdr.Typeflag == tar.TypeDir, body})
	}
}

func byName(files []tarFile) map[string]tarFile {
	m := make(map[string]tarFile, len(files))
	for _, f := range files {
		m[f.name] = f
	}
	return m
}

// place writes a file with its parent directories and its mode, which
// os.WriteFile does not change on a file that exists.
func place(t *testing.T, dst string, body []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, body, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// opkgInstall installs the ipk into root and returns the package name
// and what postinst printed.
func opkgInstall(t *testing.T, root, ipk string) (string, string) {
	t.Helper()
	data, err := os.ReadFile(ipk)
	if err != nil {
		t.Fatal(err)
	}
	outer := byName(readTarGz(t, data))
	control := byName(readTarGz(t, outer["control.tar.gz"].body))
	pkg := controlField(control["control"].body, "Package")
	if pkg == "" {
		t.Fatalf("%s: got no Package in its control file", ipk)
	}
	for _, f := range control {
		if !f.dir {
			place(t, filepath.Join(root, opkgInfo, pkg+"."+f.name), f.body, f.mode)
		}
	}
	conffiles := strings.Fields(string(control["conffiles"].body))
	installed := installedConffiles(t, root, pkg)
	var list []string
	status := "Package: " + pkg + "\nStatus: install user installed\nConffiles:\n"
	for _, f := range readTarGz(t, outer["data.tar.gz"].body) {
		dst := filepath.Join(root, f.name)
		if f.dir {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		list = append(list, "/"+f.name)
		if isConffile(conffiles, f.name) {
			status += fmt.Sprintf(" /%s %s\n", f.name, md5Hex(f.body))
			if cur, err := os.ReadFile(dst); err == nil && md5Hex(cur) != installed["/"+f.name] {
				dst += "-opkg" // changed by the owner: keep it
			}
		}
		place(t, dst, f.body, f.mode)
	}
	place(t, filepath.Join(root, opkgInfo, pkg+".list"), []byte(strings.Join(list, "\n")+"\n"), 0o644)
	place(t, filepath.Join(root, "usr/lib/opkg/status"), []byte(status), 0o644)
	return pkg, opkgScript(t, root, pkg, "postinst", "configure")
}

// opkgPrerm runs the package's prerm as 'opkg --offline-root remove'
// does, and returns its output.
func opkgPrerm(t *testing.T, root, pkg string) string {
	t.Helper()
	return opkgScript(t, root, pkg, "prerm", "remove")
}

func opkgScript(t *testing.T, root, pkg, script, arg string) string {
	t.Helper()
	env := []string{"IPKG_INSTROOT=" + root, "PKG_ROOT=" + root}
	out, err := run(t, env, "sh", filepath.Join(root, opkgInfo, pkg+"."+script), arg)
	if err != nil {
		t.Fatalf("%s %s with IPKG_INSTROOT=%s: %v\n%s", pkg, script, root, err, out)
	}
	return out
}

// installedConffiles returns the checksums opkg recorded for the
// package's conffiles when it was installed.
func installedConffiles(t *testing.T, root, pkg string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	data, err := os.ReadFile(filepath.Join(root, "usr/lib/opkg/status"))
	if os.IsNotExist(err) || !strings.Contains(string(data), "Package: "+pkg+"\n") {
		return sums
	}
	for _, l := range lines(string(data)) {
		if f := strings.Fields(l); strings.HasPrefix(l, " /") && len(f) == 2 {
			sums[f[0]] = f[1]
		}
	}
	return sums
}

func isConffile(conffiles []string, name string) bool {
	for _, c := range conffiles {
		if strings.TrimPrefix(c, "/") == name {
			return true
		}
	}
	return false
}

func controlField(control []byte, field string) string {
	for _, l := range lines(string(control)) {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
