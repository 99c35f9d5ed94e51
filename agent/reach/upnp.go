package reach

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// UPnP IGD: the port-mapping protocol of most home routers that speak
// neither PCP nor NAT-PMP. SSDP (multicast HTTP over UDP) finds the
// router's description, whose WANIPConnection (or WANPPPConnection)
// service takes SOAP calls to map a port and tell the public address.

// SSDPAddr is where SSDP searches go.
const SSDPAddr = "239.255.255.250:1900"

// Limits on what routers send.
const (
	maxDescription = 256 << 10
	maxSOAPAnswer  = 64 << 10
)

// wanServices are the service types that map ports, best first.
var wanServices = []string{
	"urn:schemas-upnp-org:service:WANIPConnection:2",
	"urn:schemas-upnp-org:service:WANIPConnection:1",
	"urn:schemas-upnp-org:service:WANPPPConnection:1",
}

// ParseSSDPResponse reads the LOCATION of an SSDP search response for an
// internet gateway device.
func ParseSSDPResponse(b []byte) (*url.URL, error) {
	rsp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: SSDP response: %v", ErrMalformed, err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != http.StatusOK || !strings.Contains(rsp.Header.Get("ST"), "InternetGatewayDevice") {
		return nil, fmt.Errorf("%w: not an internet gateway's SSDP answer", ErrMalformed)
	}
	loc, err := url.Parse(rsp.Header.Get("Location"))
	if err != nil || loc.Scheme != "http" || loc.Host == "" {
		return nil, fmt.Errorf("%w: SSDP LOCATION %q", ErrMalformed, rsp.Header.Get("Location"))
	}
	return loc, nil
}

// igdDevice is the part of a device description that matters: services,
// nested in devices.
type igdDevice struct {
	Services []struct {
		Type    string `xml:"serviceType"`
		Control string `xml:"controlURL"`
	} `xml:"serviceList>service"`
	Devices []igdDevice `xml:"deviceList>device"`
}

// ParseIGDDescription finds the port-mapping service in a device
// description fetched from location, and returns its type and absolute
// control URL.
func ParseIGDDescription(b []byte, location *url.URL) (service string, control *url.URL, err error) {
	var root struct {
		URLBase string    `xml:"URLBase"`
		Device  igdDevice `xml:"device"`
	}
	if err := xml.Unmarshal(b, &root); err != nil {
		return "", nil, fmt.Errorf("%w: device description: %v", ErrMalformed, err)
	}
	base := location
	if u, err := url.Parse(root.URLBase); err == nil && root.URLBase != "" && u.Scheme == "http" {
		base = u
	}
	for _, want := range wanServices {
		if c, ok := findService(root.Device, want, 0); ok {
			u, err := base.Parse(c)
			if err != nil || u.Scheme != "http" || u.Host != location.Host {
				return "", nil, fmt.Errorf("%w: control URL %q", ErrMalformed, c)
			}
			return want, u, nil
		}
	}
	return "", nil, fmt.Errorf("%w: no WAN connection service", ErrMalformed)
}

// findService searches d's tree, at most 8 levels deep.
func findService(d igdDevice, typ string, depth int) (string, bool) {
	if depth > 8 {
		return "", false
	}
	for _, s := range d.Services {
		if strings.TrimSpace(s.Type) == typ {
			return strings.TrimSpace(s.Control), true
		}
	}
	for _, sub := range d.Devices {
		if c, ok := findService(sub, typ, depth+1); ok {
			return c, true
		}
	}
	return "", false
}

// igd is a discovered gateway's port-mapping service.
type igd struct {
	service string
	control *url.URL
	client  *http.Client
}

// discoverIGD searches for a gateway at ssdp (SSDPAddr unless a test
// says otherwise) and reads its description.
func discoverIGD(ctx context.Context, ssdp string, timeout time.Duration) (*igd, error) {
	req := "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n" +
		"ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n"
	var loc *url.URL
	err := exchangeAny(ctx, ssdp, []byte(req), timeout, func(b []byte) bool {
		l, err := ParseSSDPResponse(b)
		loc = l
		return err == nil
	})
	if err != nil {
		return nil, fmt.Errorf("UPnP discovery: %w", err)
	}
	client := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, err := get(ctx, client, loc.String(), maxDescription)
	if err != nil {
		return nil, fmt.Errorf("UPnP description: %w", err)
	}
	service, control, err := ParseIGDDescription(body, loc)
	if err != nil {
		return nil, err
	}
	return &igd{service: service, control: control, client: client}, nil
}

func get(ctx context.Context, c *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	rsp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer rsp.Body.Close()
	if rsp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, rsp.Status)
	}
	return readLimited(rsp.Body, limit)
}

// exchangeAny sends req to a multicast (or any) address from an
// unconnected socket and hands every reply to accept, resending with
// doubling waits until accept takes one or timeout passes.
func exchangeAny(ctx context.Context, addr string, req []byte, timeout time.Duration, accept func([]byte) bool) error {
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return err
	}
	conn, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 2048)
	for wait := firstRetransmit; time.Now().Before(deadline); wait *= 2 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := conn.WriteToUDP(req, ua); err != nil {
			return err
		}
		_ = conn.SetReadDeadline(minTime(time.Now().Add(wait), deadline))
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				break
			}
			if accept(buf[:n]) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w from %s within %v", ErrNoAnswer, addr, timeout)
}

var errTooLarge = errors.New("answer too large")
