package wgexit

import (
	"testing"
	"time"
)

func TestPeerStats(t *testing.T) {
	keyA := "0101010101010101010101010101010101010101010101010101010101010101"
	keyB := "0202020202020202020202020202020202020202020202020202020202020202"
	state := "private_key=ab\nlisten_port=51820\n" +
		"public_key=" + keyA + "\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\nrx_bytes=10\ntx_bytes=20\n" +
		"public_key=" + keyB + "\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\nrx_bytes=0\ntx_bytes=7\n" +
		"public_key=zz\nrx_bytes=99\n"
	got := peerStats(state)
	tests := []struct {
		name string
		key  [32]byte
		want PeerInfo
	}{
		{name: "with handshake", key: fill(1), want: PeerInfo{LastHandshake: time.Unix(1700000000, 5), RxBytes: 10, TxBytes: 20}},
		{name: "never shook hands", key: fill(2), want: PeerInfo{TxBytes: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := got[tt.key]
			if !g.LastHandshake.Equal(tt.want.LastHandshake) || g.RxBytes != tt.want.RxBytes || g.TxBytes != tt.want.TxBytes {
				t.Errorf("got %+v, want %+v", g, tt.want)
			}
		})
	}
	if len(got) != 2 {
		t.Errorf("got %d peers, want 2 (a bad key is skipped)", len(got))
	}
}

func fill(b byte) (k [32]byte) {
	for i := range k {
		k[i] = b
	}
	return k
}
