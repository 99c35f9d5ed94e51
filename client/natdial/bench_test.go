package natdial_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/testenv"
	"github.com/sparelink/sparelink/relay/forward"
	"github.com/sparelink/sparelink/relay/punch"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

const benchBody = 1 << 20

// BenchmarkPaths downloads 1 MiB per operation through the same QUIC
// exit three ways: dialled directly, over a punched ICE path, and through
// a rendezvous relay's forwarder.
func BenchmarkPaths(b *testing.B) {
	for _, path := range []string{"direct", "punched", "relayed"} {
		b.Run(path, func(b *testing.B) {
			canary := punchtest.StartCanary(b, bytes.Repeat([]byte{'b'}, benchBody))
			srv := quicexittest.Start(b, canary.Addr)
			d := benchDialer(b, path, srv)
			b.SetBytes(benchBody)
			b.ResetTimer()
			for b.Loop() {
				download(b, d, canary.Addr)
			}
		})
	}
}

// benchDialer reaches srv's exit by path.
func benchDialer(b *testing.B, path string, srv *quicexittest.Server) *exitdial.Dialer {
	exit := exitdial.Exit{NodeID: srv.NodeID(), Addr: srv.Addr, PublicKey: srv.Key.Public(), Token: srv.Token(b, nil)}
	log := zap.NewNop()
	var d *exitdial.Dialer
	switch path {
	case "direct":
		d = exitdial.New(exit, log)
	case "punched":
		buyer, exitEnd := punchtest.Pair(b)
		if err := srv.Exit.ServePacketConn(exitEnd); err != nil {
			b.Fatal(err)
		}
		d = exitdial.NewOver(exit, buyer, punch.PeerAddr, log)
	case "relayed":
		fw, err := forward.Listen(forward.ServerConfig{}, log)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { fw.Close() })
		nc, err := forward.DialNode(forward.NodeConfig{Relay: fw.Addr().String(), Key: srv.Key.Private, Interval: 50 * time.Millisecond}, log)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { nc.Close() })
		if err := srv.Exit.ServePacketConn(nc); err != nil {
			b.Fatal(err)
		}
		for !nc.Registered() {
			time.Sleep(5 * time.Millisecond)
		}
		bc, err := forward.DialBuyer(fw.Addr().String(), srv.NodeID())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { bc.Close() })
		d = exitdial.NewOver(exit, bc, forward.RelayAddr(srv.NodeID()), log)
	}
	b.Cleanup(func() { d.CloseTransport() })
	return d
}

func download(b *testing.B, d *exitdial.Dialer, addr string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, c)
	c.Close()
	if err != nil || n != benchBody {
		b.Fatalf("download: %d bytes, %v", n, err)
	}
}

// BenchmarkPathsNetem runs BenchmarkPaths again in a network namespace
// whose loopback delays every packet with tc netem, and reports each
// path's throughput per delay. It needs root, ip and tc; the namespace
// keeps the delay away from the machine's own loopback.
func BenchmarkPathsNetem(b *testing.B) {
	testenv.NeedRoot(b)
	testenv.NeedTool(b, "ip")
	testenv.NeedTool(b, "tc")
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, delay := range []string{"2ms", "10ms"} {
		ns := fmt.Sprintf("slbench-%d-%s", os.Getpid(), delay)
		run(b, "ip", "netns", "add", ns)
		b.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
		run(b, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
		if out, err := exec.Command("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", delay).CombinedOutput(); err != nil {
			// A kernel feature, not a package CI could install.
			b.Skipf("SKIPPED, NOT MEASURED: tc netem is not available in this kernel (load sch_netem): %v: %s", err, out)
		}
		out, err := exec.Command("ip", "netns", "exec", ns, exe, "-test.run=^$", "-test.bench=^BenchmarkPaths$", "-test.benchtime=5x").CombinedOutput()
		if err != nil {
			b.Fatalf("benchmark in %s: %v\n%s", ns, err, out)
		}
		for path, mbps := range throughputs(out) {
			b.ReportMetric(mbps, path+"-"+delay+"-MB/s")
		}
	}
}

var benchLine = regexp.MustCompile(`^BenchmarkPaths/(\w+)\S*\s+\d+\s+\d+ ns/op\s+([\d.]+) MB/s`)

// throughputs reads each path's MB/s from benchmark output.
func throughputs(out []byte) map[string]float64 {
	got := make(map[string]float64)
	s := bufio.NewScanner(bytes.NewReader(out))
	for s.Scan() {
		if m := benchLine.FindStringSubmatch(s.Text()); m != nil {
			if v, err := strconv.ParseFloat(m[2], 64); err == nil {
				got[m[1]] = v
			}
		}
	}
	return got
}

func run(b *testing.B, args ...string) {
	b.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		b.Fatalf("%v: %v\n%s", args, err, out)
	}
}
