package wgexit

import (
	"errors"
	"net/netip"
	"testing"
)

func TestPoolNeverCollides(t *testing.T) {
	tests := []struct {
		name     string
		p4, p6   string
		wantSize int // peers the pool holds
	}{
		{name: "v4 /30 is one peer", p4: "10.9.0.0/30", p6: "fd00:1::/64", wantSize: 1},
		{name: "v4 /29", p4: "10.9.0.0/29", p6: "fd00:1::/64", wantSize: 5},
		{name: "v6 smaller than v4", p4: "10.9.0.0/24", p6: "fd00:1::/125", wantSize: 6},
		{name: "unmasked prefixes", p4: "10.9.0.77/28", p6: "fd00:1::99/124", wantSize: 13},
		{name: "defaults, first thousand", p4: DefaultPrefix4.String(), p6: DefaultPrefix6.String(), wantSize: -1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newPool(netip.MustParsePrefix(tt.p4), netip.MustParsePrefix(tt.p6))
			if err != nil {
				t.Fatalf("newPool: %v", err)
			}
			n := tt.wantSize
			if n < 0 {
				n = -n
			}
			seen := map[netip.Addr]bool{p.own().IPv4: true, p.own().IPv6: true}
			var first uint32
			for i := 0; i < n; i++ {
				idx, err := p.alloc()
				if err != nil {
					t.Fatalf("alloc %d of %d: %v", i+1, n, err)
				}
				if i == 0 {
					first = idx
				}
				a := p.at(idx)
				if seen[a.IPv4] || seen[a.IPv6] {
					t.Fatalf("alloc %d: got %v, already handed out or the exit's own", i+1, a)
				}
				seen[a.IPv4], seen[a.IPv6] = true, true
				if !p.p4.Contains(a.IPv4) || !p.p6.Contains(a.IPv6) || a.IPv4 == broadcast(p.p4) {
					t.Fatalf("alloc %d: got %v, outside %s/%s or the broadcast address", i+1, a, p.p4, p.p6)
				}
			}
			if tt.wantSize < 0 {
				return
			}
			if _, err := p.alloc(); !errors.Is(err, ErrPoolExhausted) {
				t.Fatalf("alloc past %d: got %v, want ErrPoolExhausted", n, err)
			}
			p.free(first)
			again, err := p.alloc()
			if err != nil || again != first {
				t.Errorf("alloc after free: got %d, %v; want the freed %d", again, err, first)
			}
		})
	}
}

func TestPoolReusesOnlyAfterOthers(t *testing.T) {
	p, err := newPool(netip.MustParsePrefix("10.9.0.0/28"), netip.MustParsePrefix("fd00:1::/64"))
	if err != nil {
		t.Fatalf("newPool: %v", err)
	}
	a, _ := p.alloc()
	p.free(a)
	b, _ := p.alloc()
	if b == a {
		t.Errorf("got index %d again at once, want the next free one first", b)
	}
}

func TestPoolRejectsBadPrefixes(t *testing.T) {
	tests := []struct{ name, p4, p6 string }{
		{name: "v4 too small", p4: "10.9.0.0/31", p6: "fd00:1::/64"},
		{name: "v6 in the v4 slot", p4: "fd00:2::/64", p6: "fd00:1::/64"},
		{name: "v4 in the v6 slot", p4: "10.9.0.0/24", p6: "10.8.0.0/24"},
		{name: "v6 too small", p4: "10.9.0.0/24", p6: "fd00:1::/127"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newPool(netip.MustParsePrefix(tt.p4), netip.MustParsePrefix(tt.p6))
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	return netip.AddrFrom4(b)
}

func TestPoolTake(t *testing.T) {
	p, err := newPool(DefaultPrefix4, DefaultPrefix6)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		index uint32
		want  error
	}{
		{"first peer index", 2, nil},
		{"taken", 2, ErrAddressInUse},
		{"the exit's own", 1, ErrInvalidPeer},
		{"network address", 0, ErrInvalidPeer},
		{"broadcast", 65535, ErrInvalidPeer},
		{"last", 65534, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := p.take(tt.index); !errors.Is(err, tt.want) {
				t.Errorf("take(%d) = %v, want %v", tt.index, err, tt.want)
			}
		})
	}
	// alloc skips what take claimed.
	if got, err := p.alloc(); err != nil || got != 3 {
		t.Errorf("alloc after take(2): got %d, %v; want 3", got, err)
	}
	if got := p.at(65534); got.IPv4 != netip.MustParseAddr("10.200.255.254") {
		t.Errorf("at(65534) = %v, want 10.200.255.254", got.IPv4)
	}
}
