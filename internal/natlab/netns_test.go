package natlab

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// lab names the namespaces of one run; a random suffix keeps parallel
// runs on one machine apart.
type lab struct {
	t      *testing.T
	suffix string
	made   []string
}

// A router: its namespace, the host behind it, its public address and
// LAN subnet, and whether it picks a random port per destination.
type router struct {
	name      string
	public    string // on the internet bridge, /24
	lan       int    // 192.168.<lan>.0/24
	symmetric bool
	// fullCone forwards every packet arriving from the internet to the
	// host, as a home router's "DMZ host" does: with masquerade keeping
	// source ports, anyone may then reach a port the host sent from.
	fullCone bool
}

const (
	internetAddr = "10.0.0.1"
	stunPort     = 3478
	stunAltPort  = 3479
	relayPort    = 3480
	brokerPort   = 8400
	canaryPort   = 9000
)

func newLab(t *testing.T) *lab {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	l := &lab{t: t, suffix: hex.EncodeToString(b)}
	t.Cleanup(l.teardown)
	return l
}

// ns is the full name of one of the lab's namespaces.
func (l *lab) ns(name string) string { return "sl" + l.suffix + "-" + name }

func (l *lab) run(args ...string) {
	l.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("natlab: %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// in runs a command inside namespace name.
func (l *lab) in(name string, args ...string) {
	l.t.Helper()
	l.run(append([]string{"ip", "netns", "exec", l.ns(name)}, args...)...)
}

func (l *lab) addNS(name string) {
	l.t.Helper()
	l.run("ip", "netns", "add", l.ns(name))
	l.made = append(l.made, l.ns(name))
	l.in(name, "ip", "link", "set", "lo", "up")
}

// internet makes the public namespace: a bridge holding the servers'
// address.
func (l *lab) internet() {
	l.t.Helper()
	l.addNS("inet")
	l.in("inet", "ip", "link", "add", "br0", "type", "bridge")
	l.in("inet", "ip", "addr", "add", internetAddr+"/24", "dev", "br0")
	l.in("inet", "ip", "link", "set", "br0", "up")
}

// addRouter makes a NAT router namespace on the internet bridge and a
// host namespace behind it, named r.name.
func (l *lab) addRouter(r router) {
	l.t.Helper()
	rt, host := "nat-"+r.name, r.name
	l.addNS(rt)
	l.addNS(host)
	l.run("ip", "link", "add", "up0", "netns", l.ns(rt), "type", "veth", "peer", "name", "v"+r.name, "netns", l.ns("inet"))
	l.in("inet", "ip", "link", "set", "v"+r.name, "master", "br0", "up")
	l.in(rt, "ip", "addr", "add", r.public+"/24", "dev", "up0")
	l.in(rt, "ip", "link", "set", "up0", "up")
	l.run("ip", "link", "add", "lan0", "netns", l.ns(rt), "type", "veth", "peer", "name", "eth0", "netns", l.ns(host))
	l.in(rt, "ip", "addr", "add", fmt.Sprintf("192.168.%d.1/24", r.lan), "dev", "lan0")
	l.in(rt, "ip", "link", "set", "lan0", "up")
	l.in(host, "ip", "addr", "add", fmt.Sprintf("192.168.%d.2/24", r.lan), "dev", "eth0")
	l.in(host, "ip", "link", "set", "eth0", "up")
	l.in(host, "ip", "route", "add", "default", "via", fmt.Sprintf("192.168.%d.1", r.lan))
	l.in(rt, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	masq := "masquerade"
	if r.symmetric {
		masq = "masquerade random"
	}
	l.in(rt, "nft", "add", "table", "ip", "nat")
	l.in(rt, "nft", "add chain ip nat postrouting { type nat hook postrouting priority 100 ; }")
	l.in(rt, "nft", "add rule ip nat postrouting oifname up0 "+masq)
	if r.fullCone {
		l.in(rt, "nft", "add chain ip nat prerouting { type nat hook prerouting priority -100 ; }")
		l.in(rt, "nft", fmt.Sprintf("add rule ip nat prerouting iifname up0 dnat to 192.168.%d.2", r.lan))
	}
}

func (l *lab) teardown() {
	for i := len(l.made) - 1; i >= 0; i-- {
		_ = exec.Command("ip", "netns", "del", l.made[i]).Run()
	}
}
