package agent

import (
	"context"
	"sync"
	"time"

	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// statementDays is how many days of statements the dashboard shows.
const statementDays = 7

// earnings caches what the broker says about this node and its operator:
// the balance, the node's daily statements and its listing. The dashboard
// polls every second, the broker is asked every BalanceInterval.
type earnings struct {
	broker *client.Client
	nodeID string

	mu   sync.Mutex
	last status.Earnings
}

// refresh asks the broker. A failure of the balance keeps the last figures
// and records the error; statements and the listing are best effort.
func (e *earnings) refresh(ctx context.Context, now time.Time) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	bal, err := e.broker.Balance(ctx)
	if err != nil {
		e.mu.Lock()
		e.last.Error = err.Error()
		e.mu.Unlock()
		return
	}
	next := status.Earnings{EarnedMicros: bal.EarnedMicros, AvailableMicros: bal.AvailableMicros, At: now}
	next.Statements = e.statements(ctx, now)
	if n, err := e.broker.Node(ctx, e.nodeID); err == nil {
		next.Broker = brokerView(n)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if next.Statements == nil {
		next.Statements = e.last.Statements
	}
	if next.Broker == nil {
		next.Broker = e.last.Broker
	}
	e.last = next
}

// statements returns this node's daily statements of the last week, or
// nil when the broker could not say.
func (e *earnings) statements(ctx context.Context, now time.Time) []status.Statement {
	list, err := e.broker.Statements(ctx, client.StatementQuery{
		From: now.Add(-statementDays * 24 * time.Hour), To: now, Period: api.PeriodDay,
	})
	if err != nil {
		return nil
	}
	out := []status.Statement{}
	for _, s := range list.Statements {
		if s.NodeID != e.nodeID {
			continue
		}
		out = append(out, status.Statement{
			PeriodStart: s.PeriodStart, Bytes: s.BytesUp + s.BytesDown, NetMicros: s.NetMicros, FeeMicros: s.FeeMicros,
		})
	}
	return out
}

func brokerView(n *api.Node) *status.BrokerView {
	v := &status.BrokerView{
		Available: n.Available, UnavailableReason: n.UnavailableReason,
		Checks: n.Quality.Checks, CheckSuccesses: n.Quality.CheckSuccesses, LatencyMicros: n.Quality.LatencyMicros,
	}
	if m := n.LinkMeasured; m != nil {
		v.MeasuredUpBps, v.MeasuredDownBps, v.MeasuredAt = m.UpBps, m.DownBps, m.MeasuredAt
	}
	return v
}

func (e *earnings) get() status.Earnings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// run refreshes the balance every interval until ctx ends.
func (e *earnings) run(ctx context.Context, interval time.Duration, now func() time.Time) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e.refresh(ctx, now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
