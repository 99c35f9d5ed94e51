package broker_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/apitest"
	"github.com/sparelink/sparelink/client"
)

// delivery is one request a receiver got.
type delivery struct {
	header http.Header
	body   []byte
	event  api.Event
}

// receiver is a real webhook endpoint on loopback. It answers the
// statuses of plan in turn, then 200, and checks every delivery against
// the OpenAPI document.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu   sync.Mutex
	plan []int
	got  []delivery
}

func newReceiver(t *testing.T, plan ...int) *receiver {
	t.Helper()
	r := &receiver{t: t, plan: plan}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Errorf("receiver: read body: %v", err)
	}
	d := delivery{header: req.Header.Clone(), body: body}
	if err := json.Unmarshal(body, &d.event); err != nil {
		r.t.Errorf("receiver: body %s: %v", body, err)
	}
	apitest.CheckWebhook(r.t, req.Header.Get(api.HeaderWebhookEventType), req.Header, body)
	r.mu.Lock()
	r.got = append(r.got, d)
	status := http.StatusOK
	if len(r.plan) > 0 {
		status, r.plan = r.plan[0], r.plan[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// subscribe registers r as a webhook of c's account for events and
// returns the signing secret.
func (r *receiver) subscribe(m *market, c *client.Client, events ...string) string {
	m.t.Helper()
	wh, err := c.CreateWebhook(m.ctx, "", api.CreateWebhookRequest{URL: r.srv.URL + "/hook", Events: events})
	if err != nil {
		m.t.Fatalf("create webhook: %v", err)
	}
	return wh.Secret
}

// checkSignature verifies d's signature independently of the SDK (HMAC
// computed here), and with client.VerifyWebhook.
func checkSignature(t *testing.T, secret string, d delivery, now time.Time) {
	t.Helper()
	header := d.header.Get(api.HeaderWebhookSignature)
	ts, mac, ok := strings.Cut(strings.TrimPrefix(header, "t="), ",v1=")
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(d.body)))
	if !ok || mac != hex.EncodeToString(m.Sum(nil)) {
		t.Errorf("signature %q does not verify over %q", header, d.body)
	}
	if err := client.VerifyWebhook(secret, header, d.body, now, 5*time.Minute); err != nil {
		t.Errorf("client.VerifyWebhook: %v", err)
	}
	if err := client.VerifyWebhook(secret+"x", header, d.body, now, 5*time.Minute); err == nil {
		t.Errorf("client.VerifyWebhook accepted another secret")
	}
	if err := client.VerifyWebhook(secret, header, d.body, now.Add(time.Hour), 5*time.Minute); err == nil {
		t.Errorf("client.VerifyWebhook accepted a delivery an hour old")
	}
}
