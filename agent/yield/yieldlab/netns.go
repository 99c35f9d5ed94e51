package yieldlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
)

// The two ends of the lab's link. The addresses exist only inside the
// lab's own namespaces; nothing else is ever a target.
const (
	vethA = "yla"
	vethB = "ylb"
	addrA = "10.231.0.1"
	addrB = "10.231.0.2"
)

var labSeq atomic.Int64

// lab is a pair of network namespaces joined by a veth pair whose A side
// is shaped with tbf: A is the home (relay and household), B the internet.
type lab struct {
	nsA, nsB string
}

// newLab builds the namespaces and shapes A's side to linkMbit.
func newLab(ctx context.Context, linkMbit int64) (*lab, error) {
	id := fmt.Sprintf("slyield%d-%d", os.Getpid(), labSeq.Add(1))
	l := &lab{nsA: id + "a", nsB: id + "b"}
	steps := [][]string{
		{"ip", "netns", "add", l.nsA},
		{"ip", "netns", "add", l.nsB},
		{"ip", "-n", l.nsA, "link", "add", vethA, "type", "veth", "peer", "name", vethB, "netns", l.nsB},
		{"ip", "-n", l.nsA, "addr", "add", addrA + "/24", "dev", vethA},
		{"ip", "-n", l.nsB, "addr", "add", addrB + "/24", "dev", vethB},
		{"ip", "-n", l.nsA, "link", "set", "lo", "up"},
		{"ip", "-n", l.nsB, "link", "set", "lo", "up"},
		{"ip", "-n", l.nsA, "link", "set", vethA, "up"},
		{"ip", "-n", l.nsB, "link", "set", vethB, "up"},
		{"tc", "-n", l.nsA, "qdisc", "add", "dev", vethA, "root", "tbf",
			"rate", fmt.Sprintf("%dmbit", linkMbit), "burst", "32kb", "latency", "100ms"},
	}
	for _, s := range steps {
		if err := run(ctx, s...); err != nil {
			l.close()
			return nil, err
		}
	}
	return l, nil
}

// close deletes both namespaces and with them the veth pair.
func (l *lab) close() {
	_ = run(context.Background(), "ip", "netns", "del", l.nsB)
	_ = run(context.Background(), "ip", "netns", "del", l.nsA)
}

func run(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
