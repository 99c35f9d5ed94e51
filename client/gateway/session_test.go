package gateway

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/proxy"

	"github.com/sparelink/sparelink/broker/api"
)

// socksVia opens an echo tunnel through the gateway as user (no
// credentials when user is empty), round-trips a message and closes it.
func socksVia(t *testing.T, gw *testGateway, user, target string) error {
	t.Helper()
	var auth *proxy.Auth
	if user != "" {
		auth = &proxy.Auth{User: user, Password: "x"}
	}
	pd, err := proxy.SOCKS5("tcp", gw.socks, auth, proxy.Direct)
	if err != nil {
		return err
	}
	c, err := pd.Dial("tcp", target)
	if err != nil {
		return err
	}
	defer c.Close()
	roundTripEcho(t, c, c)
	return nil
}

// exitsUsed lists the exits of the recorded dials from index from on.
func exitsUsed(r *recorder, from int) []string {
	var ids []string
	for _, d := range r.records()[from:] {
		ids = append(ids, d.exit)
	}
	return ids
}

func distinct(ids []string) int {
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	return len(seen)
}

func TestModes(t *testing.T) {
	origin := startTCPOrigin(t, echo)
	target := origin.Addr().String()
	tests := []struct {
		mode  string
		users []string // one connection per user, in order
		want  int      // distinct exits carrying them
	}{
		{api.ModeRotating, []string{"alice", "alice", "alice", "alice"}, 2},
		{api.ModeSticky, []string{"alice", "alice", "alice", "alice"}, 1},
		{api.ModeStrict, []string{"", "", "", ""}, 1}, // no key: the destination is the session
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			set := startExits(t, 2, target)
			gw := startGateway(t, Config{Mode: tt.mode}, set.rec)
			for i, u := range tt.users {
				if err := socksVia(t, gw, u, target); err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
			}
			if got := distinct(exitsUsed(set.rec, 0)); got != tt.want {
				t.Errorf("got %d exits for %d connections (%v), want %d", got, len(tt.users), exitsUsed(set.rec, 0), tt.want)
			}
		})
	}
}

func TestStickySessionsByKey(t *testing.T) {
	origin := startTCPOrigin(t, echo)
	target := origin.Addr().String()
	set := startExits(t, 2, target)
	gw := startGateway(t, Config{Mode: api.ModeSticky}, set.rec)
	// Two sessions named by SOCKS usernames, two by the HTTP header, each
	// opened three times; each must stay on one exit throughout.
	byKey := map[string][]string{}
	for round := range 3 {
		for _, user := range []string{"s1", "s2"} {
			n := len(set.rec.records())
			if err := socksVia(t, gw, user, target); err != nil {
				t.Fatalf("round %d, %s: %v", round, user, err)
			}
			byKey[user] = append(byKey[user], exitsUsed(set.rec, n)...)
		}
		for _, key := range []string{"h1", "h2"} {
			n := len(set.rec.records())
			resp := rawRequest(t, gw.http, fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s: %s\r\n\r\n", target, target, SessionHeader, key))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d, %s: CONNECT got %d", round, key, resp.StatusCode)
			}
			byKey[key] = append(byKey[key], exitsUsed(set.rec, n)...)
		}
	}
	for key, ids := range byKey {
		if len(ids) != 3 || distinct(ids) != 1 {
			t.Errorf("session %s: got exits %v, want one exit three times", key, ids)
		}
	}
}

func TestSessionExitDies(t *testing.T) {
	origin := startTCPOrigin(t, echo)
	target := origin.Addr().String()
	tests := []struct {
		mode      string
		wantMoved bool
	}{
		{api.ModeSticky, true},
		{api.ModeStrict, false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			set := startExits(t, 2, target)
			var mu sync.Mutex
			var moves []SessionMove
			cfg := Config{Mode: tt.mode, Sessions: SessionConfig{OnMove: func(m SessionMove) {
				mu.Lock()
				moves = append(moves, m)
				mu.Unlock()
			}}}
			gw := startGateway(t, cfg, set.rec)
			if err := socksVia(t, gw, "s1", target); err != nil {
				t.Fatalf("first connection: %v", err)
			}
			first := set.rec.records()[0].exit
			victim, other := set.byID(first), set.other(first)
			victim.path.Cut()
			eventually(t, "the health checks to find the exit dead", func() bool { _, ok := set.diedAt(first); return ok })
			err := socksVia(t, gw, "s1", target)
			checkAfterDeath(t, gw, tt.wantMoved, err, target)
			mu.Lock()
			defer mu.Unlock()
			wantMoves := 0
			if tt.wantMoved {
				wantMoves = 1
			}
			if len(moves) != wantMoves || (wantMoves == 1 && (moves[0].From != first || moves[0].To != other.NodeID() || moves[0].Session != "s1")) {
				t.Errorf("session moves got %+v, want %d from %s to %s", moves, wantMoves, first, other.NodeID())
			}
		})
	}
}

// checkAfterDeath checks the second connection of a session whose exit
// died: a sticky one works, a strict one fails with the strict error on
// both protocols.
func checkAfterDeath(t *testing.T, gw *testGateway, moved bool, err error, target string) {
	t.Helper()
	if moved {
		if err != nil {
			t.Fatalf("sticky session after its exit died: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), "network unreachable") {
		t.Errorf("strict session over SOCKS: got %v, want a network unreachable reply", err)
	}
	resp := rawRequest(t, gw.http, fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\nProxy-Authorization: %s\r\n\r\n", target, target, basic("s1", "x")))
	ps := resp.Header.Get("Proxy-Status")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(ps, "error=destination_unavailable") || !strings.Contains(ps, "strict mode") {
		t.Errorf("strict session over HTTP: got %d with Proxy-Status %q, want 502 destination_unavailable naming strict mode", resp.StatusCode, ps)
	}
}

func (s *exitSet) byID(id string) *testExit {
	for _, x := range s.exits {
		if x.NodeID() == id {
			return x
		}
	}
	return nil
}

func (s *exitSet) other(id string) *testExit {
	for _, x := range s.exits {
		if x.NodeID() != id {
			return x
		}
	}
	return nil
}

var _ net.Conn = (*countedConn)(nil)
