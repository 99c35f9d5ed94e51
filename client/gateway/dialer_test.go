package gateway

import (
	"context"
	"errors"
	"net"
	"sync"
)

// exitError is what an exit reports when it will not or cannot connect.
type exitError struct{ status string }

func (e *exitError) Error() string       { return "exit refused: " + e.status }
func (e *exitError) ProxyStatus() string { return e.status }

// testDialer stands in for the exit side with a real net.Dialer: it only
// reaches the loopback test origins it was told about, under the address
// a client asks for, and records every address exactly as it arrived.
type testDialer struct {
	mu     sync.Mutex
	routes map[string]string // asked address → 127.0.0.1 origin address
	fails  map[string]error  // asked address → error to return
	asked  []string
}

func newTestDialer() *testDialer {
	return &testDialer{routes: map[string]string{}, fails: map[string]error{}}
}

// route makes asked reach the loopback origin at addr.
func (d *testDialer) route(asked, addr string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.routes[asked] = addr
}

// fail makes dialing asked return err.
func (d *testDialer) fail(asked string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fails[asked] = err
}

func (d *testDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.asked = append(d.asked, address)
	real, ok := d.routes[address]
	err := d.fails[address]
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &exitError{status: "destination_ip_prohibited"}
	}
	if host, _, _ := net.SplitHostPort(real); host != "127.0.0.1" {
		return nil, errors.New("test dialer only reaches 127.0.0.1 origins")
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, real)
}

// askedFor reports whether address reached the dialer exactly as given.
func (d *testDialer) askedFor(address string) bool { return d.dials(address) > 0 }

// dials counts how often address was dialed.
func (d *testDialer) dials(address string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, a := range d.asked {
		if a == address {
			n++
		}
	}
	return n
}
