package egress_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// TestDialNameRuleReachesHook opens a closed port for one name only. The
// dialer's Control hook judges the socket address again; it must apply
// the same name rule, or the permitted name would fail at the socket and
// the literal address would not.
func TestDialNameRuleReachesHook(t *testing.T) {
	srv := startEcho(t)
	port := srv.addr.Port()
	res := egresstest.NewResolver().
		Answer("mail.allowed.example", "127.0.0.1").
		Answer("other.allowed.example", "127.0.0.1")
	var sockets int
	p := newPolicy(t, egress.Config{
		Resolver:    res,
		DeniedPorts: []uint16{port},
		Allow:       rules(t, "127.0.0.1", fmt.Sprintf("mail.allowed.example:%d", port)),
		Dialer: &net.Dialer{Timeout: 5 * time.Second, Control: func(string, string, syscall.RawConn) error {
			sockets++
			return nil
		}},
	})
	cases := []struct {
		name, host string
		want       egress.Reason
	}{
		{"name rule opens the port", "mail.allowed.example", ""},
		{"literal stays closed", "127.0.0.1", egress.ReasonPort},
		{"other name stays closed", "other.allowed.example", egress.ReasonPort},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.accepted.Load()
			c, err := p.DialContext(context.Background(), "tcp", fmt.Sprintf("%s:%d", tc.host, port))
			if got := reasonOf(t, err); got != tc.want {
				t.Fatalf("dial %s reason = %q (err %v), want %q", tc.host, got, err, tc.want)
			}
			want := int64(0)
			if c != nil {
				want = 1
				roundTrip(t, c, "mail")
				_ = c.Close()
			}
			if got := srv.accepted.Load() - before; got != want {
				t.Errorf("listener accepted %d connections, want %d", got, want)
			}
		})
	}
	if sockets != 1 {
		t.Errorf("owner Control hook ran %d times, want 1 (refusals must come before any socket)", sockets)
	}
	address := srv.addr.String()
	if err := p.CheckRemote("mail.allowed.example", address); err != nil {
		t.Errorf("hook check for the allowed name = %v, want nil", err)
	}
	if got := reasonOf(t, p.CheckRemote("", address)); got != egress.ReasonPort {
		t.Errorf("hook check for the literal reason = %q, want %q", got, egress.ReasonPort)
	}
}

func TestDeniedNameMessage(t *testing.T) {
	res := egresstest.NewResolver().Answer("blocked.example", "1.1.1.1")
	p := newPolicy(t, egress.Config{Resolver: res, Deny: rules(t, "blocked.example")})
	_, err := p.Resolve(context.Background(), "Blocked.Example", 443)
	want := `egress: destination "Blocked.Example" denied (owner-deny): the node owner has denied this name`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if got := res.Lookups(); len(got) != 0 {
		t.Errorf("denied name reached the resolver: %q", got)
	}
}

// TestDialHookJudgesSocketAddress changes the machine's address list
// between the lookup and the socket: the lookup's check passes, so only
// the dialer's Control hook stands between the buyer and the address.
// The owner's own hook, which runs after the policy's, refuses every
// socket, so no packet leaves even if the policy's hook were missing.
func TestDialHookJudgesSocketAddress(t *testing.T) {
	var lists int
	var ownerHook int
	p := newPolicy(t, egress.Config{
		Resolver: egresstest.NewResolver().Answer("late.example", "1.1.1.1"),
		HostAddrs: func() ([]netip.Addr, error) {
			lists++
			if lists == 1 {
				return nil, nil
			}
			return []netip.Addr{netip.MustParseAddr("1.1.1.1")}, nil
		},
		Dialer: &net.Dialer{Timeout: time.Second, Control: func(string, string, syscall.RawConn) error {
			ownerHook++
			return errors.New("owner hook: no sockets in this test")
		}},
	})
	start, calls := time.Now(), 0
	p.SetClock(func() time.Time {
		calls++
		if calls == 1 { // the lookup's check still trusts the first list
			return start
		}
		return start.Add(time.Minute)
	})
	_, err := p.DialContext(context.Background(), "tcp", "late.example:443")
	if got := reasonOf(t, err); got != egress.ReasonHostLocal {
		t.Fatalf("dial reason = %q (err %v), want %q from the Control hook", got, err, egress.ReasonHostLocal)
	}
	if ownerHook != 0 {
		t.Errorf("owner hook ran %d times, want 0: the policy's hook must refuse first", ownerHook)
	}
}
