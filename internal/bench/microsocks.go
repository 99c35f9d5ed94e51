package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"time"
)

// skippedPrefix starts the Unit of a figure that was not taken.
const skippedPrefix = "skipped: "

// MicrosocksSkipped is the Unit of the stock-proxy rows when the
// microsocks binary (Debian package microsocks) is not installed.
const MicrosocksSkipped = skippedPrefix + "microsocks not installed"

// errNoMicrosocks means the microsocks binary is not in PATH.
var errNoMicrosocks = errors.New(MicrosocksSkipped)

// microsocks is a stock single-hop SOCKS5 proxy on loopback, the baseline
// the gateway and its exit are compared with.
type microsocks struct {
	addr string
	cmd  *exec.Cmd
}

// startMicrosocks runs microsocks on a free loopback port and waits until
// it accepts connections.
func startMicrosocks(ctx context.Context) (*microsocks, error) {
	bin, err := exec.LookPath("microsocks")
	if err != nil {
		return nil, errNoMicrosocks
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &microsocks{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	m.cmd = exec.Command(bin, "-i", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start microsocks: %w", err)
	}
	if err := waitListening(ctx, m.addr); err != nil {
		m.close()
		return nil, fmt.Errorf("microsocks: %w", err)
	}
	return m, nil
}

func (m *microsocks) close() {
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitListening polls addr for up to 5s.
func waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("not listening on %s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
