package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Timeouts of the server's life.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
	adminTimeout = 30 * time.Second
)

// superuser is the role initdb creates; tests connect as it, with trust
// authentication on loopback and the socket.
const superuser = "postgres"

// cluster is one running server.
type cluster struct {
	dir    string // temporary directory: data/, the socket and the log
	port   int
	proc   *os.Process
	exited chan struct{} // closed when the server process has ended
	log    *os.File

	mu    sync.Mutex // serialises admin statements
	admin *pgx.Conn
	seq   int // databases created so far, for unique names
}

// start creates a cluster in a new temporary directory and runs it.
func start(s search) (*cluster, error) {
	bins, err := s.find()
	if err != nil {
		return nil, err
	}
	o, err := lookupOwner()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sparelink-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	c := &cluster{dir: dir}
	if err := c.boot(bins, o); err != nil {
		_ = c.stop()
		return nil, err
	}
	return c, nil
}

// boot runs initdb, starts the server and connects to it.
func (c *cluster) boot(bins binaries, o owner) error {
	if err := o.reach(c.dir); err != nil {
		return err
	}
	if err := o.own(c.dir); err != nil {
		return err
	}
	data := filepath.Join(c.dir, "data")
	initdb := o.command(c.dir, bins.initdb, "-D", data, "-U", superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if err := c.run(bins, o, data); err != nil {
		return err
	}
	return c.connect()
}

// run starts the server on a free loopback port, its log in the temp dir.
func (c *cluster) run(bins binaries, o owner, data string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	if c.log, err = os.Create(filepath.Join(c.dir, "server.log")); err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	cmd := o.command(c.dir, bins.postgres, "-D", data, "-p", strconv.Itoa(port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = c.log, c.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.port, c.proc, c.exited = port, cmd.Process, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	return nil
}

// freePort asks the kernel for a loopback port nobody listens on. The
// server binds it a moment later; a collision in between fails the start
// with the server's log, which is rare enough for tests.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// connect waits until the server accepts connections and keeps one for
// creating and dropping databases.
func (c *cluster) connect() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		if err == nil {
			c.admin = conn
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("postgres exited during start-up: %s", c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready after %s (last error: %v): %s", startTimeout, err, c.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// url is the connection URL of database name.
func (c *cluster) url(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.port, name)
}

// logTail returns the end of the server log, for error messages.
func (c *cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "server log:\n" + string(bytes.TrimSpace(b))
}

// stop shuts the server down (fast shutdown, then kill) and removes its
// files. It is safe on a partly started cluster.
func (c *cluster) stop() error {
	var errs []error
	if c.admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		_ = c.admin.Close(ctx)
		cancel()
	}
	if c.proc != nil {
		errs = append(errs, c.shutdown())
	}
	if c.log != nil {
		errs = append(errs, c.log.Close())
	}
	errs = append(errs, os.RemoveAll(c.dir))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop PostgreSQL: %w", err)
	}
	return nil
}

// shutdown asks the server for a fast shutdown and kills it if it hangs.
func (c *cluster) shutdown() error {
	_ = c.proc.Signal(syscall.SIGINT)
	select {
	case <-c.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	_ = c.proc.Kill()
	<-c.exited
	return fmt.Errorf("postgres ignored SIGINT for %s and was killed", stopTimeout)
}
