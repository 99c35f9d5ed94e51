package wgexit

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// wireguard-go is configured and read through its UAPI text protocol
// (https://www.wireguard.com/xplatform/), the interface it keeps stable.

// kv is one key=value line of the UAPI protocol.
type kv struct{ key, value string }

// parseUAPI splits the device's state into its lines, in order.
func parseUAPI(state string) []kv {
	var out []kv
	for _, line := range strings.Split(state, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			out = append(out, kv{k, v})
		}
	}
	return out
}

// addPeerUAPI adds a peer that may send only from its own addresses, and
// to which only those addresses are routed.
func addPeerUAPI(ps *peerState) string {
	return fmt.Sprintf("public_key=%s\nreplace_allowed_ips=true\nallowed_ip=%s/32\nallowed_ip=%s/128\n",
		hex.EncodeToString(ps.key[:]), ps.assigned.IPv4, ps.assigned.IPv6)
}

// peerStats reads each peer's handshake time and byte counts from the
// device's state. Lines it cannot read are skipped.
func peerStats(state string) map[[32]byte]PeerInfo {
	out := make(map[[32]byte]PeerInfo)
	var (
		key  [32]byte
		have bool
		sec  int64
	)
	for _, l := range parseUAPI(state) {
		if l.key == "public_key" {
			b, err := hex.DecodeString(l.value)
			have = err == nil && len(b) == len(key)
			copy(key[:], b)
			sec = 0
			continue
		}
		if !have {
			continue
		}
		info := out[key]
		n, _ := strconv.ParseInt(l.value, 10, 64)
		switch l.key {
		case "last_handshake_time_sec":
			sec = n
		case "last_handshake_time_nsec":
			if sec != 0 || n != 0 {
				info.LastHandshake = time.Unix(sec, n)
			}
		case "rx_bytes":
			info.RxBytes = n
		case "tx_bytes":
			info.TxBytes = n
		}
		out[key] = info
	}
	return out
}
