// Package punchtest punches real ICE paths between two sessions on
// loopback and runs canary origins, for the tests and benchmarks of code
// that carries traffic over punched paths. It is for tests only.
package punchtest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/relay/punch"
)

// Config is the session configuration for loopback paths: host
// candidates on the loopback interface only.
func Config() punch.Config {
	return punch.Config{Loopback: true, Interfaces: []string{"lo"}, ConnectTimeout: 10 * time.Second}
}

// Pair punches a path between two loopback sessions and returns the
// controlling (buyer) and controlled (exit) ends. Both close when the
// test ends.
func Pair(t testing.TB) (buyer, exit *punch.PacketConn) {
	t.Helper()
	log := zaptest.NewLogger(t)
	a, err := punch.New(Config(), log.Named("buyer"))
	if err != nil {
		t.Fatalf("punchtest: buyer session: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	b, err := punch.New(Config(), log.Named("exit"))
	if err != nil {
		t.Fatalf("punchtest: exit session: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	da, errA := a.Local(ctx)
	db, errB := b.Local(ctx)
	if errA != nil || errB != nil {
		t.Fatalf("punchtest: descriptions: %v, %v", errA, errB)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		exit, errB = b.Connect(ctx, da, false)
	}()
	buyer, errA = a.Connect(ctx, db, true)
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("punchtest: connect: buyer %v, exit %v", errA, errB)
	}
	return buyer, exit
}

// Canary is a TCP origin on loopback that writes Body to every
// connection and closes it.
type Canary struct {
	Addr string
	Body []byte
}

// StartCanary runs a canary origin until the test ends.
func StartCanary(t testing.TB, body []byte) *Canary {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("punchtest: canary: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = c.Write(body)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return &Canary{Addr: ln.Addr().String(), Body: body}
}
