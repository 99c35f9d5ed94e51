package reach

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// soap calls action on the gateway's service with args (name, value
// pairs, in order) and returns the answer's body.
func (g *igd) soap(ctx context.Context, action string, args ...string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ` +
		`s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>`)
	fmt.Fprintf(&b, `<u:%s xmlns:u="%s">`, action, g.service)
	for i := 0; i+1 < len(args); i += 2 {
		fmt.Fprintf(&b, "<%s>%s</%s>", args[i], html.EscapeString(args[i+1]), args[i])
	}
	fmt.Fprintf(&b, "</u:%s></s:Body></s:Envelope>", action)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.control.String(), strings.NewReader(b.String()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", `text/xml; charset="utf-8"`)
	req.Header.Set("SOAPAction", `"`+g.service+"#"+action+`"`)
	rsp, err := g.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("UPnP %s: %w", action, err)
	}
	defer rsp.Body.Close()
	body, err := readLimited(rsp.Body, maxSOAPAnswer)
	if err != nil {
		return nil, fmt.Errorf("UPnP %s: %w", action, err)
	}
	if rsp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("UPnP %s: %s%s", action, rsp.Status, upnpFault(body))
	}
	return body, nil
}

// upnpFault names a SOAP fault's UPnP error, if the body holds one.
func upnpFault(body []byte) string {
	var f struct {
		Code int    `xml:"Body>Fault>detail>UPnPError>errorCode"`
		Desc string `xml:"Body>Fault>detail>UPnPError>errorDescription"`
	}
	if xml.Unmarshal(body, &f) != nil || f.Code == 0 {
		return ""
	}
	return fmt.Sprintf(": error %d %s", f.Code, f.Desc)
}

// ParseExternalIP reads a GetExternalIPAddress answer.
func ParseExternalIP(body []byte) (netip.Addr, error) {
	var a struct {
		IP string `xml:"Body>GetExternalIPAddressResponse>NewExternalIPAddress"`
	}
	if err := xml.Unmarshal(body, &a); err != nil {
		return netip.Addr{}, fmt.Errorf("%w: GetExternalIPAddress: %v", ErrMalformed, err)
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(a.IP))
	if err != nil || !ip.Is4() {
		return netip.Addr{}, fmt.Errorf("%w: external address %q", ErrMalformed, a.IP)
	}
	return ip, nil
}

// externalIP asks the gateway for its public address.
func (g *igd) externalIP(ctx context.Context) (netip.Addr, error) {
	body, err := g.soap(ctx, "GetExternalIPAddress")
	if err != nil {
		return netip.Addr{}, err
	}
	return ParseExternalIP(body)
}

// mapUDP forwards the gateway's external UDP port to client:internal for
// lifetime (whole seconds; routers may round or ignore it).
func (g *igd) mapUDP(ctx context.Context, external, internal uint16, client netip.Addr, lifetime time.Duration) error {
	_, err := g.soap(ctx, "AddPortMapping",
		"NewRemoteHost", "", "NewExternalPort", strconv.Itoa(int(external)), "NewProtocol", "UDP",
		"NewInternalPort", strconv.Itoa(int(internal)), "NewInternalClient", client.String(),
		"NewEnabled", "1", "NewPortMappingDescription", "sparelink exit",
		"NewLeaseDuration", strconv.Itoa(int(lifetime/time.Second)))
	return err
}

// unmapUDP deletes the gateway's mapping of external.
func (g *igd) unmapUDP(ctx context.Context, external uint16) error {
	_, err := g.soap(ctx, "DeletePortMapping", "NewRemoteHost", "", "NewExternalPort", strconv.Itoa(int(external)), "NewProtocol", "UDP")
	return err
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}
