package reach

import "github.com/sparelink/sparelink/broker/api"

// Reachability is the report as the node tells the broker: the verdict,
// the reasons' sentences, the NAT behaviour and the mapped address.
func (r Report) Reachability() api.Reachability {
	out := api.Reachability{Code: string(r.Code)}
	for _, why := range r.Reasons {
		if len(out.Reasons) < 16 {
			out.Reasons = append(out.Reasons, clip(why.Text, 300))
		}
	}
	if r.NAT != nil {
		out.NAT = &api.NATBehavior{Mapping: r.NAT.Mapping, Filtering: r.NAT.Filtering}
	}
	if r.MappedAddr.IsValid() {
		out.MappedAddr = r.MappedAddr.String()
	}
	return out
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
