package gateway

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/proxy"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// Failover traffic: every request sends reqSize bytes and gets respSize
// back, over a new SOCKS5 connection in session "s1".
const (
	reqSize  = 4 << 10
	respSize = 16 << 10
	workers  = 3
	// failoverBound is the acceptance bound: once an exit dies, a request
	// of its session succeeds through another exit within it.
	failoverBound = 3 * time.Second
)

// serveRequest reads a request and answers it.
func serveRequest(c net.Conn) {
	if _, err := io.CopyN(io.Discard, c, reqSize); err != nil {
		return
	}
	_, _ = c.Write(pattern(respSize))
}

// outcome is one request as the client saw it.
type outcome struct {
	start, end time.Time
	err        error
}

// request runs one request through the gateway.
func request(gw *testGateway, target string) outcome {
	o := outcome{start: time.Now()}
	pd, err := proxy.SOCKS5("tcp", gw.socks, &proxy.Auth{User: "s1", Password: "x"}, proxy.Direct)
	if err == nil {
		o.err = exchangeRequest(pd, target)
	} else {
		o.err = err
	}
	o.end = time.Now()
	return o
}

func exchangeRequest(pd proxy.Dialer, target string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pd.(proxy.ContextDialer).DialContext(ctx, "tcp", target)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(pattern(reqSize)); err != nil {
		return err
	}
	_, err = io.ReadFull(c, make([]byte, respSize))
	return err
}

// traffic keeps workers sending requests until stopped.
type traffic struct {
	mu       sync.Mutex
	outcomes []outcome
	stop     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
}

func startTraffic(gw *testGateway, target string) *traffic {
	tr := &traffic{stop: make(chan struct{})}
	for range workers {
		tr.wg.Add(1)
		go func() {
			defer tr.wg.Done()
			for {
				select {
				case <-tr.stop:
					return
				default:
				}
				o := request(gw, target)
				tr.mu.Lock()
				tr.outcomes = append(tr.outcomes, o)
				tr.mu.Unlock()
			}
		}()
	}
	return tr
}

// halt stops the workers and waits for them; it is idempotent.
func (tr *traffic) halt() {
	tr.once.Do(func() { close(tr.stop) })
	tr.wg.Wait()
}

// firstSuccessAfter returns when the first request started after t that
// succeeded ended, and how many had succeeded before t. Requests started
// earlier may finish after t on data already under way, so they do not
// count as a failover.
func (tr *traffic) firstSuccessAfter(t time.Time) (first time.Time, before int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, o := range tr.outcomes {
		switch {
		case o.err != nil:
		case o.end.Before(t):
			before++
		case o.start.Before(t):
		case first.IsZero() || o.end.Before(first):
			first = o.end
		}
	}
	return first, before
}

func TestFailoverUnderTraffic(t *testing.T) {
	tests := []struct {
		name string
		kill func(*testExit)
	}{
		{"path to the exit lost", func(x *testExit) { x.path.Cut() }},
		{"exit shut down", func(x *testExit) { x.Exit.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := startTCPOrigin(t, serveRequest)
			target := origin.Addr().String()
			set := startExits(t, 2, target)
			gw := startGateway(t, Config{Mode: api.ModeSticky}, set.rec)
			tr := startTraffic(gw, target)
			defer tr.halt()
			eventually(t, "traffic through the first exit", func() bool { _, n := tr.firstSuccessAfter(time.Now()); return n >= 5 })
			victim := set.byID(set.rec.records()[0].exit)
			killed := time.Now()
			tt.kill(victim)
			deadline := time.Now().Add(10 * time.Second)
			first, _ := tr.firstSuccessAfter(killed)
			for ; first.IsZero() && time.Now().Before(deadline); first, _ = tr.firstSuccessAfter(killed) {
				time.Sleep(5 * time.Millisecond)
			}
			if first.IsZero() {
				t.Fatalf("no request succeeded within 10s of the exit's death")
			}
			took := first.Sub(killed)
			t.Logf("first success on another exit %v after the loss", took.Round(time.Millisecond))
			if took > failoverBound {
				t.Errorf("failover took %v, want at most %v", took, failoverBound)
			}
			time.Sleep(500 * time.Millisecond) // more traffic on the survivor
			tr.halt()
			checkRouting(t, set, victim)
			checkMeters(t, set, victim)
		})
	}
}

// checkRouting checks that no connection went to the victim once the
// health checks had found it dead.
func checkRouting(t *testing.T, set *exitSet, victim *testExit) {
	t.Helper()
	died, ok := set.diedAt(victim.NodeID())
	if !ok {
		t.Fatalf("the health checks never reported %s dead", victim.NodeID())
	}
	for _, d := range set.rec.records() {
		if d.at.After(died) && d.exit == victim.NodeID() {
			t.Errorf("a connection went to the dead exit %v after it was found dead", d.at.Sub(died))
		}
	}
}

// checkMeters compares each exit's meter with what the gateway side sent
// and received through it. The survivor carried only whole requests and
// must match exactly. The victim matches for every request it finished;
// requests cut by its death can differ by what was in flight: bytes the
// gateway sent that never arrived, bytes the exit sent that never came.
func checkMeters(t *testing.T, set *exitSet, victim *testExit) {
	t.Helper()
	for _, x := range set.exits {
		up, down := set.rec.sent(x.NodeID())
		var got meterTotals
		deadline := time.Now().Add(5 * time.Second)
		for {
			tot := x.Meter.Lease(quicexittest.LeaseID).Totals()
			got = meterTotals{tot.Up, tot.Down}
			if x == victim || (got.up == up && got.down == down) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if x != victim {
			if got.up != up || got.down != down {
				t.Errorf("survivor %s: meter up %d down %d, want exactly the gateway's %d and %d", x.NodeID(), got.up, got.down, up, down)
			}
			if up == 0 {
				t.Errorf("survivor %s carried nothing", x.NodeID())
			}
			continue
		}
		if got.up > up || up-got.up > workers*reqSize || got.down < down || got.down-down > workers*respSize {
			t.Errorf("victim %s: meter up %d down %d; gateway sent %d and received %d, want them equal but for at most %d requests in flight",
				x.NodeID(), got.up, got.down, up, down, workers)
		}
	}
}

type meterTotals struct{ up, down int64 }
