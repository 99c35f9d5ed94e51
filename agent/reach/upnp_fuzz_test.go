package reach

import (
	"errors"
	"net/url"
	"testing"
)

func FuzzParseSSDPResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLOCATION: http://192.168.1.1:5000/rootDesc.xml\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 404 Not Found\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		loc, err := ParseSSDPResponse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if loc.Scheme != "http" || loc.Host == "" {
			t.Fatalf("accepted location %v", loc)
		}
	})
}

func FuzzParseIGDDescription(f *testing.F) {
	f.Add([]byte(`<root><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>/ctl</controlURL></service></serviceList></device></root>`))
	f.Add([]byte(`<root><URLBase>http://10.0.0.1:80/</URLBase><device/></root>`))
	loc, _ := url.Parse("http://192.168.1.1:5000/rootDesc.xml")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, ctl, err := ParseIGDDescription(b, loc)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if ctl.Scheme != "http" || ctl.Host == "" {
			t.Fatalf("accepted control URL %v", ctl)
		}
	})
}
