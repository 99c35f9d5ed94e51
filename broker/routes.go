package broker

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/console"
	"github.com/sparelink/sparelink/broker/store"
)

// handler serves an authenticated request. A returned error becomes a
// problem response.
type handler func(w http.ResponseWriter, r *http.Request, p principal) error

// Who may call an endpoint, besides admin keys which may call everything.
var (
	adminOnly    = []store.Scope{}
	buyersOnly   = []store.Scope{store.ScopeBuyer}
	operatorOnly = []store.Scope{store.ScopeOperator}
	anyAccount   = []store.Scope{store.ScopeBuyer, store.ScopeOperator}
)

func (b *Broker) routes() http.Handler {
	mux := http.NewServeMux()
	b.public(mux, "GET /healthz", b.health)
	b.patterns = append(b.patterns, "GET /metrics")
	mux.Handle("GET /metrics", b.instrument("GET /metrics",
		promhttp.HandlerFor(b.metrics.reg, promhttp.HandlerOpts{Registry: b.metrics.reg})))
	b.public(mux, "GET /v1/broker/keys", b.brokerKeys)
	b.public(mux, "GET /v1/openapi.json", b.openAPIDoc)
	b.public(mux, "GET /v1/prices", b.prices)
	b.patterns = append(b.patterns, "GET "+console.Prefix) // the web console; ServeMux redirects /console here
	mux.Handle("GET "+console.Prefix, b.instrument("GET "+console.Prefix, console.Handler()))

	b.private(mux, "POST /v1/accounts", adminOnly, b.createAccount)
	b.private(mux, "POST /v1/keys", anyAccount, b.createKey)
	b.private(mux, "GET /v1/keys", anyAccount, b.listKeys)
	b.private(mux, "DELETE /v1/keys/{id}", anyAccount, b.revokeKey)
	b.private(mux, "POST /v1/admin/credits", adminOnly, b.credit)
	b.private(mux, "GET /v1/admin/ledger/check", adminOnly, b.checkLedger)
	b.private(mux, "GET /v1/balance", anyAccount, b.balance)
	b.private(mux, "GET /v1/ledger", anyAccount, b.ledger)
	b.private(mux, "GET /v1/statements", operatorOnly, b.statements)
	b.private(mux, "POST /v1/webhooks", anyAccount, b.createWebhook)
	b.private(mux, "GET /v1/webhooks", anyAccount, b.listWebhooks)
	b.private(mux, "GET /v1/webhooks/{id}", anyAccount, b.getWebhook)
	b.private(mux, "DELETE /v1/webhooks/{id}", anyAccount, b.deleteWebhook)

	b.private(mux, "POST /v1/pairing-codes", operatorOnly, b.createPairingCode)
	b.public(mux, "POST /v1/pairing-codes/redeem", b.redeemPairingCode)
	b.private(mux, "POST /v1/nodes/challenge", operatorOnly, b.challenge)
	b.private(mux, "POST /v1/nodes", operatorOnly, b.registerNode)
	b.private(mux, "POST /v1/nodes/{id}/heartbeat", operatorOnly, b.heartbeat)
	b.private(mux, "GET /v1/nodes", anyAccount, b.listNodes)
	b.private(mux, "GET /v1/nodes/{id}", anyAccount, b.getNode)
	b.private(mux, "GET /v1/nodes/{id}/commands", operatorOnly, b.nodeCommands)
	b.private(mux, "POST /v1/nodes/{id}/signal", operatorOnly, b.signalAnswer)
	b.private(mux, "POST /v1/nodes/{id}/reachability", operatorOnly, b.reportReachability)
	b.private(mux, "GET /v1/nodes/{id}/wireguard/peers", operatorOnly, b.nodeWireGuardPeers)
	b.private(mux, "GET /v1/nodes/{id}/probe/download", operatorOnly, b.linkProbe(false))
	b.private(mux, "POST /v1/nodes/{id}/probe/upload", operatorOnly, b.linkProbe(true))

	b.private(mux, "POST /v1/coverage/quote", buyersOnly, b.quote)
	b.private(mux, "POST /v1/leases", buyersOnly, b.createLease)
	b.private(mux, "GET /v1/leases", buyersOnly, b.listLeases)
	b.private(mux, "GET /v1/leases/{id}", buyersOnly, b.getLease)
	b.private(mux, "POST /v1/leases/{id}/close", buyersOnly, b.closeLease)
	b.private(mux, "POST /v1/leases/{id}/extend", buyersOnly, b.extendLease)
	b.private(mux, "GET /v1/leases/{id}/usage", buyersOnly, b.usage)
	b.private(mux, "POST /v1/leases/{id}/exits/{node}/signal", buyersOnly, b.signalExit)
	b.private(mux, "POST /v1/receipts", operatorOnly, b.receipts)
	b.receiptRoutes(mux) // disputes and the receipt export; see receiptmetrics.go

	b.public(mux, "/", func(http.ResponseWriter, *http.Request) error {
		return notFound("no such endpoint")
	})
	return mux
}

// public registers an endpoint that needs no key.
func (b *Broker) public(mux *http.ServeMux, pattern string, h func(http.ResponseWriter, *http.Request) error) {
	b.patterns = append(b.patterns, pattern)
	mux.Handle(pattern, b.instrument(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail(w, h(w, r))
	})))
}

// private registers an endpoint for callers holding a key of one of
// scopes. Each key is rate limited, and every POST honours an
// Idempotency-Key.
func (b *Broker) private(mux *http.ServeMux, pattern string, scopes []store.Scope, h handler) {
	b.patterns = append(b.patterns, pattern)
	mux.Handle(pattern, b.instrument(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := b.authenticate(r)
		if err == nil {
			err = allow(p, scopes)
		}
		if err == nil {
			err = b.limit(w, p)
		}
		if err == nil && r.Method == http.MethodPost {
			err = b.idempotent(w, r, p, h)
		} else if err == nil {
			err = h(w, r, p)
		}
		fail(w, err)
	})))
}

// fail writes err, if any, as a problem and keeps it for the request log.
func fail(w http.ResponseWriter, err error) {
	if err == nil {
		return
	}
	p := toProblem(err)
	note(w, err, p.code)
	writeProblem(w, p)
}

// note keeps a handler's error for the request log line, when w is the
// request's recorder.
func note(w http.ResponseWriter, err error, code string) {
	if rec, ok := w.(*recorder); ok {
		rec.err, rec.code = err, code
	}
}

// recorder remembers what a handler answered, for logs and metrics.
type recorder struct {
	http.ResponseWriter
	status int
	code   string // problem code, when the handler failed
	err    error
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument names every request with a fresh ID (the X-Request-Id
// header, and request_id in problems), logs one line and records metrics
// for it. It logs the route pattern, never the path, query or headers,
// which may carry IDs or keys.
func (b *Broker) instrument(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newID(prefixRequest)
		w.Header().Set(api.HeaderRequestID, id)
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		took := time.Since(start)
		b.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		b.metrics.latency.WithLabelValues(route).Observe(took.Seconds())
		fields := []zap.Field{zap.String("request_id", id), zap.String("method", r.Method), zap.String("route", route),
			zap.Int("status", rec.status), zap.Duration("duration", took)}
		if rec.code != "" {
			fields = append(fields, zap.String("code", rec.code))
		}
		if rec.status >= http.StatusInternalServerError {
			b.log.Error("request", append(fields, zap.Error(rec.err))...)
			return
		}
		b.log.Info("request", fields...)
	})
}
