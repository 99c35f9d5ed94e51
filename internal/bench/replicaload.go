package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// populate creates the buyer and operators through replica 0, funds the
// buyer, and seeds the fleet's nodes straight into the database.
func (f *replicaFleet) populate(ctx context.Context, nodes int) error {
	admin := f.client(0, f.admin)
	account := func(kind string) (id, key string, err error) {
		a, err := admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: "bench " + kind})
		if err != nil {
			return "", "", fmt.Errorf("create %s: %w", kind, err)
		}
		k, err := admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
		if err != nil {
			return "", "", fmt.Errorf("key for %s: %w", a.ID, err)
		}
		return a.ID, k.Key, nil
	}
	buyerID, buyerKey, err := account(api.KindBuyer)
	if err != nil {
		return err
	}
	if _, err := f.stores[0].Credit(ctx, "", buyerID, buyerCredit); err != nil {
		return fmt.Errorf("fund buyer: %w", err)
	}
	f.buyer = buyerKey
	f.market = &brokerMarket{st: f.stores[0]}
	for range marketOperators {
		id, key, err := account(api.KindOperator)
		if err != nil {
			return err
		}
		f.market.opIDs, f.ops = append(f.market.opIDs, id), append(f.ops, key)
	}
	return f.market.seed(ctx, nodes)
}

// httpClient is shared by every client of the fleet, so connections are
// reused as a long-running client's would be.
var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}

// client is an SDK client of replica i.
func (f *replicaFleet) client(i int, key string) *client.Client {
	return client.New(f.urls[i], key, client.WithHTTPClient(httpClient))
}

// roundRobin is one request's view of the first k replicas: call n goes
// to replica n mod k, as a client-side balancer would send it.
type roundRobin struct {
	f *replicaFleet
	k int
}

func (r roundRobin) heartbeat(ctx context.Context, i int) error {
	n := i % r.f.market.nodes
	c := r.f.client(i%r.k, r.f.ops[n%marketOperators])
	if _, err := c.Heartbeat(ctx, benchNodeID(n), api.HeartbeatRequest{SpareBps: 1 << 20}); err != nil {
		return fmt.Errorf("heartbeat of node %d via replica %d: %w", n, i%r.k, err)
	}
	return nil
}

func (r roundRobin) createLease(ctx context.Context, i int) error {
	req := leaseRequest(i)
	if _, err := r.f.client(i%r.k, r.f.buyer).CreateLease(ctx, "", req); err != nil {
		return fmt.Errorf("lease in %s via replica %d: %w", req.Coverage.Country, i%r.k, err)
	}
	return nil
}

// replicaFigure is one measured rate with its replica count.
type replicaFigure struct {
	metric   string
	unit     string
	replicas int
	value    float64
}

// measure takes heartbeat and lease rates for each replica count, then
// audits the ledger through every replica.
func (f *replicaFleet) measure(ctx context.Context, cfg ReplicaConfig) ([]replicaFigure, error) {
	bc := BrokerConfig{Duration: cfg.Duration, Workers: cfg.Workers}
	var figs []replicaFigure
	for _, k := range cfg.Replicas {
		rr := roundRobin{f: f, k: k}
		beats, err := rate(ctx, bc, rr.heartbeat)
		if err != nil {
			return nil, err
		}
		leases, err := rate(ctx, bc, rr.createLease)
		if err != nil {
			return nil, err
		}
		figs = append(figs, replicaFigure{"heartbeat", "heartbeats/s", k, beats},
			replicaFigure{"lease_create", "leases/s", k, leases})
	}
	return figs, f.audit(ctx)
}

// audit checks the ledger through every replica.
func (f *replicaFleet) audit(ctx context.Context) error {
	for i := range f.urls {
		c, err := f.client(i, f.admin).CheckLedger(ctx)
		if err != nil {
			return fmt.Errorf("ledger check via replica %d: %w", i, err)
		}
		if !c.Balanced {
			return fmt.Errorf("via replica %d: %+v: %w", i, *c, ErrUnbalanced)
		}
	}
	return nil
}

// replicaResults names the figures and sets every row's baseline to the
// one-replica row of its metric.
func replicaResults(figs []replicaFigure, nodes int) []Result {
	name := func(metric string, k int) string {
		return fmt.Sprintf("broker_%s_postgres_%dreplica_%s", metric, k, nodesLabel(nodes))
	}
	base := map[string]float64{}
	out := make([]Result, 0, len(figs))
	for _, f := range figs {
		r := Result{Name: name(f.metric, f.replicas), Value: round(f.value), Unit: f.unit}
		if v, ok := base[f.metric]; ok && f.replicas > 1 {
			r.Baseline = name(f.metric, 1)
			if v > 0 {
				r.Ratio = round(f.value / v)
			}
		}
		if f.replicas == 1 {
			base[f.metric] = f.value
		}
		out = append(out, r)
	}
	return out
}

// logReplicaRows logs the rows as they would appear in the table.
func logReplicaRows(log *zap.Logger, rows []Result) {
	for _, r := range rows {
		log.Info("replica bench", zap.String("name", r.Name), zap.Float64(r.Unit, r.Value), zap.Float64("ratio", r.Ratio))
	}
}
