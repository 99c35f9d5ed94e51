package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// startTimeout bounds how long a daemon may take to become ready.
const startTimeout = 20 * time.Second

// stopTimeout bounds how long a daemon may take to stop on a signal.
const stopTimeout = 15 * time.Second

// broker is a running sparelink-broker and its first admin key.
type broker struct {
	proc  *proc
	url   string
	dir   string
	admin brokerAPI
}

// startBroker starts the broker on a free loopback port with its data in
// a temporary directory, waits for /healthz and reads the admin key file.
func startBroker(t *testing.T) *broker {
	t.Helper()
	addr, dir := freeAddr(t), filepath.Join(t.TempDir(), "broker")
	b := &broker{url: "http://" + addr, dir: dir}
	b.proc = start(t, binBroker, nil, "--listen", addr, "--data-dir", dir)
	eventually(t, startTimeout, "broker healthy", brokerAPI{base: b.url}.healthy)
	key := readSecret(t, filepath.Join(dir, "admin.key"))
	b.admin = brokerAPI{base: b.url, key: key}
	return b
}

// readSecret reads a key file and checks that only its owner may read it.
func readSecret(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if got, want := fi.Mode().Perm(), fs.FileMode(0o600); got != want {
		t.Errorf("%s: got mode %v, want %v", path, got, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	return strings.TrimSpace(string(data))
}

// newAccount creates an account of kind with the admin key, and an API key
// for it, the way README.md's curl commands do.
func (b *broker) newAccount(t *testing.T, kind, name string) (accountID, key string) {
	t.Helper()
	var acct api.Account
	b.admin.call(t, "POST", "/v1/accounts", fmt.Sprintf(`{"kind":%q,"name":%q}`, kind, name), http.StatusCreated, &acct)
	if acct.ID == "" || acct.Kind != kind {
		t.Fatalf("POST /v1/accounts: got %+v, want a %s account with an ID", acct, kind)
	}
	var k api.Key
	b.admin.call(t, "POST", "/v1/keys", fmt.Sprintf(`{"account_id":%q}`, acct.ID), http.StatusCreated, &k)
	if prefix := "sl_" + kind + "_"; !strings.HasPrefix(k.Key, prefix) {
		t.Fatalf("POST /v1/keys: got key %q, want one starting with %q", k.Key, prefix)
	}
	t.Logf("%s account %s (%s) with key %s", kind, acct.ID, name, k.ID)
	return acct.ID, k.Key
}

// site is where an exit in this test's market says it is.
type site struct {
	region api.Region
	asn    int
}

// exitFlags are the flags of a relay or agent at s whose data is in
// dataDir and whose egress policy also allows allow.
func exitFlags(b *broker, s site, dataDir, allow string) []string {
	return []string{"--broker", b.url, "--data-dir", dataDir,
		"--country", s.region.Country, "--subdivision", s.region.Subdivision,
		"--city", s.region.City, "--asn", strconv.Itoa(s.asn),
		"--egress-allow", allow, "--log-level", "debug"}
}

// waitOnline waits until GET /v1/nodes lists want nodes, all online, and
// returns them.
func (b *broker) waitOnline(t *testing.T, c brokerAPI, want int) []api.Node {
	t.Helper()
	var nodes api.NodeList
	eventually(t, startTimeout, fmt.Sprintf("%d nodes online", want), func(ctx context.Context) error {
		nodes = api.NodeList{}
		if err := c.get(ctx, "/v1/nodes", &nodes); err != nil {
			return err
		}
		var online int
		for _, n := range nodes.Nodes {
			if n.Status == "online" {
				online++
			}
		}
		if online != want || len(nodes.Nodes) != want {
			return fmt.Errorf("%d nodes listed, %d online", len(nodes.Nodes), online)
		}
		return nil
	})
	return nodes.Nodes
}

// origin is a web server on loopback that the exits are allowed to reach.
// It serves a short greeting at / and a blob of random bytes at /blob.
type origin struct {
	srv  *httptest.Server
	blob []byte
}

func startOrigin(t *testing.T, blobSize int) *origin {
	t.Helper()
	o := &origin{blob: make([]byte, blobSize)}
	rand.Read(o.blob)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the test origin at %s\n", r.Host)
	})
	mux.HandleFunc("GET /blob", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "blob", time.Time{}, bytes.NewReader(o.blob))
	})
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	return o
}

// addr is the origin's host:port, the form --egress-allow takes.
func (o *origin) addr() string { return o.srv.Listener.Addr().String() }
