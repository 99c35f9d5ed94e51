package yieldlab

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// runSink counts what the relay and the household deliver and reports the
// totals every reportInterval.
func runSink(ctx context.Context, a roleArgs, e *emitter) error {
	ln, err := net.Listen("tcp", a.Listen)
	if err != nil {
		return fmt.Errorf("sink listen: %w", err)
	}
	e.emit("listen", ln.Addr())
	var relay, household atomic.Int64
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close() // ends acceptCounted
	wg.Add(1)
	go func() {
		defer wg.Done()
		acceptCounted(ctx, ln, &relay, &household)
	}()
	t := time.NewTicker(reportInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			e.emit("bytes", relay.Load(), household.Load())
		}
	}
}

func acceptCounted(ctx context.Context, ln net.Listener, relay, household *atomic.Int64) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			countConn(c, relay, household)
		}()
	}
}

// countConn reads the tag, then counts bytes until the sender stops.
func countConn(r io.Reader, relay, household *atomic.Int64) {
	var tag [1]byte
	if _, err := io.ReadFull(r, tag[:]); err != nil {
		return
	}
	counter := household
	if tag[0] == tagRelay {
		counter = relay
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		counter.Add(int64(n))
		if err != nil {
			return // EOF or the lab closing the connection
		}
	}
}
