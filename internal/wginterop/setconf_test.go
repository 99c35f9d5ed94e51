package wginterop

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// errNotQuick is returned for text that is not a wg-quick configuration
// with one interface.
var errNotQuick = errors.New("not a wg-quick configuration")

// quickOnly are the wg-quick keys of [Interface] that `wg setconf` does
// not know; wg-quick applies them itself with ip, resolvconf and hooks.
var quickOnly = map[string]bool{
	"address": true, "dns": true, "mtu": true, "table": true, "saveconfig": true,
	"preup": true, "postup": true, "predown": true, "postdown": true,
}

// setConf is a wg-quick configuration split the way wg-quick splits it:
// Conf is what `wg setconf` reads, Addresses and MTU what ip applies.
type setConf struct {
	Conf      string
	Addresses []netip.Prefix
	MTU       int
}

// splitQuick strips the wg-quick-only keys from a configuration as the
// broker returned it and keeps the interface addresses and MTU. Other
// wg-quick-only keys (DNS, hooks) are dropped: the test names addresses
// and runs no hooks.
func splitQuick(text string) (setConf, error) {
	var out setConf
	var b strings.Builder
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "["):
			section = strings.ToLower(line)
			fmt.Fprintf(&b, "\n%s\n", line)
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			return setConf{}, fmt.Errorf("%w: line %q", errNotQuick, line)
		}
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		if section != "[interface]" || !quickOnly[key] {
			fmt.Fprintf(&b, "%s\n", line)
			continue
		}
		if err := out.apply(key, value); err != nil {
			return setConf{}, err
		}
	}
	if err := sc.Err(); err != nil {
		return setConf{}, fmt.Errorf("%w: %v", errNotQuick, err)
	}
	if len(out.Addresses) == 0 {
		return setConf{}, fmt.Errorf("%w: no Address", errNotQuick)
	}
	out.Conf = strings.TrimPrefix(b.String(), "\n")
	return out, nil
}

// apply keeps the value of a wg-quick-only key that ip applies.
func (s *setConf) apply(key, value string) error {
	switch key {
	case "address":
		for f := range strings.SplitSeq(value, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("%w: Address %q: %v", errNotQuick, f, err)
			}
			s.Addresses = append(s.Addresses, p)
		}
	case "mtu":
		mtu, err := strconv.Atoi(value)
		if err != nil || mtu < 576 || mtu > 65535 {
			return fmt.Errorf("%w: MTU %q", errNotQuick, value)
		}
		s.MTU = mtu
	}
	return nil
}
