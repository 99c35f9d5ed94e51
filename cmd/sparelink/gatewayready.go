package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/sparelink/sparelink/client/gateway"
)

// readyInfo is what the gateway prints once it serves.
type readyInfo struct {
	LeaseID string `json:"lease_id"`
	Mode    string `json:"mode"`
	Exits   int    `json:"exits"`
	Created bool   `json:"created"`
	SOCKS5  string `json:"socks5,omitempty"`
	HTTP    string `json:"http,omitempty"`
}

func listen(g *gateway.Gateway, gf *gatewayFlags) (readyInfo, error) {
	var r readyInfo
	if gf.socks != "" {
		a, err := g.ListenSOCKS5(gf.socks)
		if err != nil {
			return r, err
		}
		r.SOCKS5 = "socks5h://" + a.String()
	}
	if gf.http != "" {
		a, err := g.ListenHTTP(gf.http)
		if err != nil {
			return r, err
		}
		r.HTTP = "http://" + a.String()
	}
	return r, nil
}

func (r readyInfo) print(w io.Writer, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(r)
	}
	fmt.Fprintf(w, "Lease %s: %d exits, %s mode.\n", r.LeaseID, r.Exits, r.Mode)
	fields(w, "SOCKS5 proxy", cmpOr(r.SOCKS5, "off"), "HTTP proxy", cmpOr(r.HTTP, "off"))
	if try := cmpOr(r.SOCKS5, r.HTTP); try != "" {
		fmt.Fprintf(w, "\n  curl -x %s https://example.com/\n\n", try)
	}
	if r.Created {
		fmt.Fprintln(w, "The lease is closed when the gateway stops (--keep-lease keeps it).")
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
	return nil
}
