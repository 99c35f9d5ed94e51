package client_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

func TestAutomaticIdempotencyKeys(t *testing.T) {
	e := newEnv(t)
	_, buyer := e.buyer(t, 1)
	e.net.faults(lostReply, unavailable)
	k, err := buyer.CreateKey(e.ctx, api.CreateKeyRequest{})
	if err != nil {
		t.Fatalf("create key through a lost reply: %v", err)
	}
	keys := e.net.idemKeys()
	if len(keys) != 3 || !strings.HasPrefix(keys[0], "sdk-") || keys[1] != keys[0] || keys[2] != keys[0] {
		t.Errorf("got Idempotency-Keys %q, want one sdk- key on all 3 tries", keys)
	}
	var ids []string
	for key, err := range buyer.AllKeys(e.ctx, "", 0) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, key.ID)
	}
	if len(ids) != 2 || !slices.Contains(ids, k.ID) {
		t.Errorf("got keys %v, want the buyer's first key and %s: created once", ids, k.ID)
	}
	e.net.faults()
	for range 2 {
		if _, err := buyer.CreateKey(e.ctx, api.CreateKeyRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if keys := e.net.idemKeys(); len(keys) != 2 || keys[0] == keys[1] {
		t.Errorf("got Idempotency-Keys %q for two calls, want two different keys", keys)
	}
}

func TestProblemSentinels(t *testing.T) {
	e := newEnv(t)
	e.exit(t)
	_, poor := e.buyer(t, 1)
	_, rich := e.buyer(t, 1e9)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"missing lease", func() error { _, err := poor.Lease(e.ctx, "ls_missing"); return err }, client.ErrNotFound},
		{"admin endpoint", func() error { _, err := poor.CheckLedger(e.ctx); return err }, client.ErrForbidden},
		{"short balance", func() error { _, err := poor.CreateLease(e.ctx, "", api.LeaseRequest{}); return err }, client.ErrInsufficientFunds},
		{"no supply", func() error {
			_, err := rich.CreateLease(e.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "NZ"}})
			return err
		}, client.ErrNoSupply},
		{"bad key", func() error { _, err := e.client("sl_buyer_x_y").Balance(e.ctx); return err }, client.ErrUnauthorized},
	}
	others := []error{client.ErrNotFound, client.ErrForbidden, client.ErrInsufficientFunds, client.ErrNoSupply, client.ErrUnauthorized, client.ErrConflict}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want errors.Is %v", err, tt.want)
			}
			for _, o := range others {
				if o != tt.want && errors.Is(err, o) {
					t.Errorf("got %v, which also matches %v", err, o)
				}
			}
			var ce *client.Error
			if !errors.As(err, &ce) || ce.Status == 0 || ce.RequestID == "" {
				t.Errorf("got %#v, want the problem's status and request ID", err)
			}
		})
	}
}

func TestPages(t *testing.T) {
	e := newEnv(t)
	_, buyer := e.buyer(t, 1)
	want := []string{}
	for k, err := range buyer.AllKeys(e.ctx, "", 0) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, k.ID)
	}
	for range 6 {
		k, err := buyer.CreateKey(e.ctx, api.CreateKeyRequest{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, k.ID)
	}
	slices.Sort(want)
	tests := []struct {
		name      string
		limit     int
		stopAfter int // break out of the loop after this many; 0: never
		wantGets  int
	}{
		{"pages of two", 2, 0, 4},
		{"one page", 0, 0, 1},
		{"stop early", 2, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.net.faults()
			var got []string
			for k, err := range buyer.AllKeys(e.ctx, "", tt.limit) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, k.ID)
				if len(got) == tt.stopAfter {
					break
				}
			}
			wantIDs := want
			if tt.stopAfter > 0 {
				wantIDs = want[:tt.stopAfter]
			}
			if !slices.Equal(got, wantIDs) {
				t.Errorf("got keys %v, want %v", got, wantIDs)
			}
			if n := e.net.count("GET /v1/keys"); n != tt.wantGets {
				t.Errorf("got %d page requests, want %d", n, tt.wantGets)
			}
		})
	}
	e.net.faults(unavailable, unavailable, unavailable)
	for _, err := range buyer.AllLeases(e.ctx, 0) {
		if !errors.Is(err, client.ErrInternal) {
			t.Errorf("listing through a dead broker: got %v, want ErrInternal", err)
		}
	}
}

// sdkMethods names the Client method of each operation of the OpenAPI
// document whose name does not follow from its operationId (see
// methodFor). An operation without a method fails the test: the SDK must
// cover the whole API.
var sdkMethods = map[string]string{
	"health": "Health", "openapi": "OpenAPI", "listKeys": "Keys", "listWebhooks": "Webhooks",
	"getWebhook": "Webhook", "listNodes": "Nodes", "heartbeat": "Heartbeat", "listLeases": "Leases",
	"getLease": "Lease", "leaseUsage": "Usage", "ledger": "Ledger", "balance": "Balance",
	"signalExit": "Signal",
}

// notInSDK are operations the SDK leaves to other code, with the reason.
var notInSDK = map[string]string{
	"metrics":       "Prometheus text for scrapers, not JSON",
	"probeUpload":   "the agent's line probe (agent/probe) streams raw bytes",
	"probeDownload": "the agent's line probe (agent/probe) streams raw bytes",
}

// methodFor is the Client method for an operation: the table's, else the
// operationId with its first letter upper-cased and a list/get prefix
// dropped when the plain name is not a method.
func methodFor(ct reflect.Type, op string) (string, bool) {
	if name, ok := sdkMethods[op]; ok {
		_, found := ct.MethodByName(name)
		return name, found
	}
	name := strings.ToUpper(op[:1]) + op[1:]
	if _, ok := ct.MethodByName(name); ok {
		return name, true
	}
	for _, prefix := range []string{"List", "Get"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if _, found := ct.MethodByName(rest); found {
				return rest, true
			}
		}
	}
	return name, false
}

func TestSDKCoversOpenAPI(t *testing.T) {
	data, err := os.ReadFile("../broker/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ct := reflect.TypeOf(&client.Client{})
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.OperationID == "" || notInSDK[op.OperationID] != "" {
				continue
			}
			n++
			if name, ok := methodFor(ct, op.OperationID); !ok {
				t.Errorf("%s %s (%s) has no SDK method (looked for %s)", strings.ToUpper(method), path, op.OperationID, name)
			}
		}
	}
	if n < 29 {
		t.Errorf("got %d operations in the document, want at least the 29 of this writing", n)
	}
	raw, err := client.New(newEnv(t).url, "").OpenAPI(t.Context())
	if err != nil || !strings.Contains(string(raw), `"openapi"`) {
		t.Errorf("OpenAPI: got %d bytes, %v; want the document", len(raw), err)
	}
}
