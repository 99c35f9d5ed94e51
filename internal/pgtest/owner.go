package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// serverUser is the system account the Debian package creates and the
// server runs as when the tests run as root (initdb and postgres refuse
// to run as root).
const serverUser = "postgres"

// owner is who runs the server: the current user, or serverUser under root.
type owner struct {
	cred *syscall.Credential // nil: run as the current user
}

// lookupOwner picks the account to run the server as.
func lookupOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{}, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return owner{}, &missingError{
			what: fmt.Sprintf("tests run as root and there is no %q user to run the server as (%v)", serverUser, err),
			fix:  "install the Debian package \"postgresql\", which creates it, or run the tests as another user",
		}
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return owner{}, fmt.Errorf("user %s has a non-numeric uid %q or gid %q", serverUser, u.Uid, u.Gid)
	}
	return owner{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

// own hands path over to the owner, so the server can write there.
func (o owner) own(path string) error {
	if o.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(o.cred.Uid), int(o.cred.Gid)); err != nil {
		return fmt.Errorf("hand %s to %s: %w", path, serverUser, err)
	}
	return nil
}

// reach checks that the owner can reach dir: every directory above it must
// be searchable by others (t.TempDir under a private home directory is
// not), else initdb fails with a bare "permission denied".
func (o owner) reach(dir string) error {
	if o.cred == nil {
		return nil
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("check %s: %w", p, err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("the server runs as %q, which cannot enter %s; point TMPDIR at a directory others can reach, such as /tmp", serverUser, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// command builds cmd to run as the owner in dir. The process gets SIGQUIT
// (PostgreSQL's immediate shutdown) if the test binary dies without
// stopping it, so no server outlives its tests.
func (o owner) command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred, Pdeathsig: syscall.SIGQUIT}
	return cmd
}
