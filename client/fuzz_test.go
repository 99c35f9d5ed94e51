package client_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/client"
)

// FuzzVerifyWebhook feeds VerifyWebhook headers and bodies as a receiver
// gets them from the network: it must never panic, and must accept only
// a header that signs the body under the secret at a time near now.
func FuzzVerifyWebhook(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const secret = "whsec_fuzz"
	f.Add(signed(secret, now, `{"id":"evt_1"}`), `{"id":"evt_1"}`)
	f.Add("t=1772366400,v1=zz", "{}")
	f.Add("t=-99999999999999999999,v1=", "")
	f.Add(",,=,t=,v1", "x")
	f.Fuzz(func(t *testing.T, header, body string) {
		err := client.VerifyWebhook(secret, header, []byte(body), now, 5*time.Minute)
		if err != nil {
			return
		}
		// Accepted: some v1 in the header must be the right signature (hex
		// digits in either case).
		want := signed(secret, now, body)
		_, mac, _ := strings.Cut(want, ",v1=")
		ts := strings.TrimPrefix(strings.SplitN(header, ",", 2)[0], "t=")
		if !strings.Contains(header, "v1=") || ts == "" {
			t.Fatalf("accepted header %q without a timestamp and signature", header)
		}
		if ts == strings.TrimPrefix(strings.SplitN(want, ",", 2)[0], "t=") && !strings.Contains(strings.ToLower(header), mac) {
			t.Fatalf("accepted header %q that does not carry the signature %s", header, mac)
		}
	})
}
