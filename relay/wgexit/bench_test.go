package wgexit_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// benchSize is the download of one benchmark operation.
const benchSize = 4 << 20

// startSource runs a loopback TCP server that sends benchSize bytes on
// every connection and closes it.
func startSource(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("listen: %v", err)
	}
	chunk := make([]byte, 64<<10)
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
				for sent := 0; sent < benchSize; sent += len(chunk) {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
		}
	}()
	b.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// download dials with dial and reads everything the source sends.
func download(b *testing.B, dial func(ctx context.Context, addr string) (net.Conn, error), addr string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := dial(ctx, addr)
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	defer c.Close()
	n, err := io.Copy(io.Discard, c)
	if err != nil || n != benchSize {
		b.Fatalf("got %d bytes, %v; want %d", n, err, benchSize)
	}
}

// BenchmarkWireGuardExit compares a bulk TCP download through the exit
// (a wireguard-go client, the exit's gVisor stack and its forwarder) with
// the same download over plain loopback TCP.
func BenchmarkWireGuardExit(b *testing.B) {
	src := startSource(b)
	b.Run("wgexit", func(b *testing.B) {
		env := wgtest.Start(b, wgexit.Config{}, src)
		buyer := env.Buyer(b, wgexit.Peer{LeaseID: "ls_bench"})
		b.SetBytes(benchSize)
		for b.Loop() {
			download(b, buyer.Dial, src)
		}
	})
	b.Run("loopback", func(b *testing.B) {
		var d net.Dialer
		dial := func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
		b.SetBytes(benchSize)
		for b.Loop() {
			download(b, dial, src)
		}
	})
}
