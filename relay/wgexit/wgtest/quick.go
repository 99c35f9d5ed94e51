package wgtest

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Quick is a parsed wg-quick configuration with one peer, the shape
// wgexit renders.
type Quick struct {
	PrivateKey string // base64; empty when the config has none
	Addresses  []netip.Prefix
	DNS        []netip.Addr
	MTU        int
	PublicKey  string // the peer's, base64
	Endpoint   string
	AllowedIPs []netip.Prefix
	Keepalive  int
}

// ParseQuick reads a wg-quick configuration. It knows the keys wgexit
// writes and fails on any other, so that a test notices a new one.
func ParseQuick(text string) (Quick, error) {
	var q Quick
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return q, fmt.Errorf("line %q: no '='", line)
		}
		if err := q.set(section, strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return q, fmt.Errorf("%s %s: %w", section, k, err)
		}
	}
	return q, sc.Err()
}

func (q *Quick) set(section, key, value string) error {
	var err error
	switch section + key {
	case "[Interface]PrivateKey":
		q.PrivateKey = value
	case "[Interface]Address":
		q.Addresses, err = parseList(value, netip.ParsePrefix)
	case "[Interface]DNS":
		q.DNS, err = parseList(value, netip.ParseAddr)
	case "[Interface]MTU":
		q.MTU, err = strconv.Atoi(value)
	case "[Peer]PublicKey":
		q.PublicKey = value
	case "[Peer]Endpoint":
		q.Endpoint = value
	case "[Peer]AllowedIPs":
		q.AllowedIPs, err = parseList(value, netip.ParsePrefix)
	case "[Peer]PersistentKeepalive":
		q.Keepalive, err = strconv.Atoi(value)
	default:
		err = fmt.Errorf("unknown key")
	}
	return err
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SetConf renders the configuration as `wg setconf` reads it: wg-quick's
// Address, DNS and MTU are left out, for the caller to apply with ip.
func (q Quick) SetConf() string {
	var b strings.Builder
	b.WriteString("[Interface]\n")
	if q.PrivateKey != "" {
		fmt.Fprintf(&b, "PrivateKey = %s\n", q.PrivateKey)
	}
	fmt.Fprintf(&b, "\n[Peer]\nPublicKey = %s\nEndpoint = %s\nAllowedIPs = %s\nPersistentKeepalive = %d\n",
		q.PublicKey, q.Endpoint, joinPrefixes(q.AllowedIPs), q.Keepalive)
	return b.String()
}

// UAPI renders the configuration in wireguard-go's UAPI form.
func (q Quick) UAPI() (string, error) {
	priv, err := hexKey(q.PrivateKey)
	if err != nil {
		return "", fmt.Errorf("private key: %w", err)
	}
	pub, err := hexKey(q.PublicKey)
	if err != nil {
		return "", fmt.Errorf("peer public key: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s\npublic_key=%s\nendpoint=%s\npersistent_keepalive_interval=%d\n", priv, pub, q.Endpoint, q.Keepalive)
	for _, p := range q.AllowedIPs {
		fmt.Fprintf(&b, "allowed_ip=%s\n", p)
	}
	return b.String(), nil
}

func hexKey(b64 string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		return "", fmt.Errorf("not a base64 32-byte key")
	}
	return hex.EncodeToString(raw), nil
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
