package relayd

import (
	"errors"
	"testing"
)

func TestCheckAddresses(t *testing.T) {
	tests := []struct {
		name, listen, advertise string
		ok                      bool
		want                    error // checked with errors.Is when set
	}{
		{"defaults", "", "", true, nil},
		{"loopback", "127.0.0.1:0", "", true, nil},
		{"public with name", "0.0.0.0:443", "relay.example.net:443", true, nil},
		{"public with address", "[::]:443", "[2001:db8::7]:443", true, nil},
		{"one interface", "192.0.2.7:443", "", true, nil},
		{"wildcard without advertise", "0.0.0.0:443", "", false, ErrAdvertiseNeeded},
		{"IPv6 wildcard without advertise", "[::]:443", "", false, ErrAdvertiseNeeded},
		{"empty host without advertise", ":443", "", false, ErrAdvertiseNeeded},
		{"listen without port", "0.0.0.0", "relay.example.net:443", false, nil},
		{"advertise without port", "0.0.0.0:443", "relay.example.net", false, nil},
		{"advertise port zero", "0.0.0.0:443", "relay.example.net:0", false, nil},
		{"advertise port too big", "0.0.0.0:443", "relay.example.net:70000", false, nil},
		{"advertise wildcard", "0.0.0.0:443", "0.0.0.0:443", false, nil},
		{"advertise no host", "0.0.0.0:443", ":443", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkAddresses(tt.listen, tt.advertise)
			if (err == nil) != tt.ok {
				t.Fatalf("checkAddresses(%q, %q): got %v, want ok=%v", tt.listen, tt.advertise, err, tt.ok)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("checkAddresses(%q, %q): got %v, want %v", tt.listen, tt.advertise, err, tt.want)
			}
		})
	}
}
