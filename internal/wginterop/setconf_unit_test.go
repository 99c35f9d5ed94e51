package wginterop

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
)

// renderedConfig has the shape the broker returns, private key filled in.
const renderedConfig = `[Interface]
PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
Address = 10.200.0.2/32, fd00:5e::2/128
DNS = 10.200.0.1, fd00:5e::1
MTU = 1280

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
Endpoint = 192.0.2.7:51820
AllowedIPs = 0.0.0.0/0, ::/0
PersistentKeepalive = 25
`

func TestSplitQuick(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		wantConf  string
		wantAddrs []string
		wantMTU   int
		wantErr   bool
	}{
		{
			name: "rendered config",
			text: renderedConfig,
			wantConf: "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n\n[Peer]\n" +
				"PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nEndpoint = 192.0.2.7:51820\n" +
				"AllowedIPs = 0.0.0.0/0, ::/0\nPersistentKeepalive = 25\n",
			wantAddrs: []string{"10.200.0.2/32", "fd00:5e::2/128"},
			wantMTU:   1280,
		},
		{
			name:      "hooks and comments dropped, keys any case",
			text:      "# made by hand\n[Interface]\nPostUp = iptables -A x\naddress=10.1.0.2/32\n",
			wantConf:  "[Interface]\n",
			wantAddrs: []string{"10.1.0.2/32"},
		},
		{name: "no address", text: "[Interface]\nMTU = 1280\n", wantErr: true},
		{name: "bad address", text: "[Interface]\nAddress = 10.1.0.2\n", wantErr: true},
		{name: "mtu too small", text: "[Interface]\nAddress = 10.1.0.2/32\nMTU = 100\n", wantErr: true},
		{name: "key before a section", text: "Address = 10.1.0.2/32\n", wantErr: true},
		{name: "line without '='", text: "[Interface]\nAddress\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitQuick(tt.text)
			if tt.wantErr {
				if !errors.Is(err, errNotQuick) {
					t.Fatalf("got %+v, %v; want an errNotQuick", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			var addrs []string
			for _, p := range got.Addresses {
				addrs = append(addrs, p.String())
			}
			if got.Conf != tt.wantConf || !slices.Equal(addrs, tt.wantAddrs) || got.MTU != tt.wantMTU {
				t.Errorf("got conf %q, addresses %v, MTU %d; want %q, %v, %d",
					got.Conf, addrs, got.MTU, tt.wantConf, tt.wantAddrs, tt.wantMTU)
			}
		})
	}
}

// TestSplitQuickKeepsPeerAddresses checks that Address in [Peer] is not
// mistaken for the interface's.
func TestSplitQuickKeepsPeerAddresses(t *testing.T) {
	got, err := splitQuick("[Interface]\nAddress = 10.1.0.2/32\n[Peer]\nAddress = 10.9.9.9/32\n")
	if err != nil {
		t.Fatalf("splitQuick: %v", err)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.1.0.2/32")}; !slices.Equal(got.Addresses, want) {
		t.Errorf("got addresses %v, want %v", got.Addresses, want)
	}
	if want := "[Interface]\n\n[Peer]\nAddress = 10.9.9.9/32\n"; got.Conf != want {
		t.Errorf("got conf %q, want %q", got.Conf, want)
	}
}
