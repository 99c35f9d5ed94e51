package broker

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Statement bounds: how many periods one request may span, and how many
// settlement records it may sum before the caller must narrow the range.
const (
	maxStatementPeriods = 1000
	maxStatementRecords = 200_000
	recordPage          = 1000
)

// statementRange is the whole periods a statement request covers.
type statementRange struct {
	from, to time.Time
	period   time.Duration
}

// nodeAttested reports, per lease of recs, whether it was billed on the
// node's count alone: leases without a buyer key, whose buyers (stock
// WireGuard clients, say) do not countersign receipts.
func (b *Broker) nodeAttested(ctx context.Context, recs []store.SettlementRecord) (map[string]bool, error) {
	out := make(map[string]bool)
	for _, r := range recs {
		if _, seen := out[r.LeaseID]; seen {
			continue
		}
		l, err := b.st.Lease(ctx, r.LeaseID)
		if err != nil {
			return nil, storeProblem(err, "lease of a statement")
		}
		out[r.LeaseID] = len(l.BuyerKey) == 0
	}
	return out, nil
}

// statements answers an operator's (admins: any account's) statements:
// per node and period, the bytes, charges, fees and earnings settled, with
// the ledger transactions behind them.
func (b *Broker) statements(w http.ResponseWriter, r *http.Request, p principal) error {
	id, err := targetAccount(r, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg, err := readPage(q)
	if err != nil {
		return err
	}
	rg, err := readStatementRange(q, b.now())
	if err != nil {
		return err
	}
	recs, err := b.settlementRecords(r.Context(), id, rg)
	if err != nil {
		return err
	}
	attested, err := b.nodeAttested(r.Context(), recs)
	if err != nil {
		return err
	}
	lines := summarize(recs, rg.period, attested)
	lines = slices.DeleteFunc(lines, func(s api.Statement) bool { return s.ID <= pg.after })
	lines, more := trim(lines, pg)
	writeJSON(w, http.StatusOK, api.StatementList{Statements: lines, HasMore: more})
	return nil
}

// readStatementRange parses period (day or hour; default day), from and
// to (RFC 3339 times or YYYY-MM-DD dates, UTC). to defaults to now and
// from to seven periods before it; both widen to whole periods.
func readStatementRange(q url.Values, now time.Time) (statementRange, error) {
	rg := statementRange{period: 24 * time.Hour}
	switch q.Get("period") {
	case "", api.PeriodDay:
	case api.PeriodHour:
		rg.period = time.Hour
	default:
		return rg, badRequest("period must be %s or %s", api.PeriodDay, api.PeriodHour)
	}
	to, err := parseWhen(q.Get("to"), now)
	if err != nil {
		return rg, badRequest("to must be an RFC 3339 time or a YYYY-MM-DD date")
	}
	from, err := parseWhen(q.Get("from"), to.Add(-7*rg.period))
	if err != nil {
		return rg, badRequest("from must be an RFC 3339 time or a YYYY-MM-DD date")
	}
	rg.from = from.Truncate(rg.period)
	if rg.to = to.Truncate(rg.period); rg.to.Before(to) {
		rg.to = rg.to.Add(rg.period)
	}
	switch {
	case !rg.from.Before(rg.to):
		return rg, badRequest("from must be before to")
	case rg.to.Sub(rg.from) > maxStatementPeriods*rg.period:
		return rg, badRequest("a statement spans at most %d periods", maxStatementPeriods)
	}
	return rg, nil
}

// parseWhen reads an RFC 3339 time or a date, in UTC; "" is def.
func parseWhen(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, s)
}

// settlementRecords reads every record of the operator in rg.
func (b *Broker) settlementRecords(ctx context.Context, operator string, rg statementRange) ([]store.SettlementRecord, error) {
	var all []store.SettlementRecord
	f := store.SettlementFilter{OperatorID: operator, From: rg.from, To: rg.to, Limit: recordPage}
	for {
		recs, err := b.st.Settlements(ctx, f)
		if err != nil {
			return nil, storeProblem(err, "settlements")
		}
		all = append(all, recs...)
		if len(all) > maxStatementRecords {
			return nil, badRequest("more than %d settlements in the range; ask for a shorter one", maxStatementRecords)
		}
		if len(recs) < recordPage {
			return all, nil
		}
		f.AfterID = recs[len(recs)-1].ID
	}
}

// summarize sums records per node and period into statements, in ID
// order.
func summarize(recs []store.SettlementRecord, period time.Duration, attested map[string]bool) []api.Statement {
	byID := make(map[string]*api.Statement)
	for _, r := range recs {
		start := r.CreatedAt.UTC().Truncate(period)
		id := start.Format("20060102T15") + "_" + r.NodeID
		s := byID[id]
		if s == nil {
			s = &api.Statement{ID: id, NodeID: r.NodeID, PeriodStart: start, PeriodEnd: start.Add(period), TxnIDs: []string{}}
			byID[id] = s
		}
		s.BytesUp += r.BytesUp
		s.BytesDown += r.BytesDown
		if attested[r.LeaseID] {
			s.NodeAttestedBytes += r.BytesUp + r.BytesDown
		}
		s.ChargedMicros += r.ChargedMicros
		s.FeeMicros += r.FeeMicros
		s.NetMicros += r.ChargedMicros - r.FeeMicros
		s.Settlements++
		if r.TxnID != "" {
			s.TxnIDs = append(s.TxnIDs, r.TxnID)
		}
	}
	out := make([]api.Statement, 0, len(byID))
	for _, s := range byID {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b api.Statement) int { return strings.Compare(a.ID, b.ID) })
	return out
}
