package reachtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// IGDConfig chooses what a UPnP internet gateway answers.
type IGDConfig struct {
	// External is the router's public address.
	External netip.Addr
	// Refuse makes AddPortMapping fail with UPnP error 718 (conflict).
	Refuse bool
}

// IGDServer is a UPnP internet gateway on loopback: an SSDP responder
// and an HTTP server with the device description and the
// WANIPConnection control endpoint, keeping the mappings it grants.
type IGDServer struct {
	ssdp *server
	http *httptest.Server
	cfg  IGDConfig

	mu       sync.Mutex
	mappings map[uint16]IGDMapping // by external port
}

// IGDMapping is one granted mapping.
type IGDMapping struct {
	InternalPort   uint16
	InternalClient string
	LeaseSeconds   int
}

const igdDescription = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><device>
<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
<controlURL>/ctl/IPConn</controlURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>`

// NewIGDServer starts a gateway that stops when the test ends.
func NewIGDServer(tb testing.TB, cfg IGDConfig) *IGDServer {
	tb.Helper()
	g := &IGDServer{cfg: cfg, mappings: map[uint16]IGDMapping{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rootDesc.xml", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, igdDescription) })
	mux.HandleFunc("POST /ctl/IPConn", g.control)
	g.http = httptest.NewServer(mux)
	tb.Cleanup(g.http.Close)
	g.ssdp = listen(tb, func(req []byte, _ netip.AddrPort) []byte {
		if !strings.HasPrefix(string(req), "M-SEARCH") || !strings.Contains(string(req), "InternetGatewayDevice") {
			return nil
		}
		return []byte("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n" +
			"USN: uuid:reachtest::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLOCATION: " + g.http.URL + "/rootDesc.xml\r\n\r\n")
	})
	return g
}

// SSDPAddr is where to send the search.
func (g *IGDServer) SSDPAddr() string { return g.ssdp.Addr() }

// Mappings returns the mappings in place, by external port.
func (g *IGDServer) Mappings() map[uint16]IGDMapping {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[uint16]IGDMapping, len(g.mappings))
	for k, v := range g.mappings {
		out[k] = v
	}
	return out
}

var soapArg = regexp.MustCompile(`<(New[A-Za-z]+)>([^<]*)</New[A-Za-z]+>`)

func (g *IGDServer) control(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	args := map[string]string{}
	for _, m := range soapArg.FindAllStringSubmatch(string(body), -1) {
		args[m[1]] = m[2]
	}
	action := r.Header.Get("SOAPAction")
	action = strings.Trim(action[strings.LastIndex(action, "#")+1:], `"`)
	port := func(name string) uint16 { n, _ := strconv.Atoi(args[name]); return uint16(n) }
	switch action {
	case "GetExternalIPAddress":
		reply(w, action, "<NewExternalIPAddress>"+g.cfg.External.String()+"</NewExternalIPAddress>")
	case "AddPortMapping":
		if g.cfg.Refuse {
			fault(w, 718, "ConflictInMappingEntry")
			return
		}
		lease, _ := strconv.Atoi(args["NewLeaseDuration"])
		g.mu.Lock()
		g.mappings[port("NewExternalPort")] = IGDMapping{InternalPort: port("NewInternalPort"), InternalClient: args["NewInternalClient"], LeaseSeconds: lease}
		g.mu.Unlock()
		reply(w, action, "")
	case "DeletePortMapping":
		g.mu.Lock()
		delete(g.mappings, port("NewExternalPort"))
		g.mu.Unlock()
		reply(w, action, "")
	default:
		fault(w, 401, "Invalid Action")
	}
}

func reply(w http.ResponseWriter, action, inner string) {
	fmt.Fprintf(w, `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`+
		`<u:%sResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">%s</u:%sResponse></s:Body></s:Envelope>`, action, inner, action)
}

func fault(w http.ResponseWriter, code int, desc string) {
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>`+
		`<faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0">`+
		`<errorCode>%d</errorCode><errorDescription>%s</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>`, code, desc)
}
