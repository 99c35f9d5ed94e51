package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/sparelink/sparelink/broker/store"
)

// UpsertNode inserts the node, or updates every field of an existing one
// except CreatedAt. A zero CreatedAt is set to now on insert. The operator
// account must exist (store.ErrNotFound otherwise).
func (s *Store) UpsertNode(ctx context.Context, n store.Node) error {
	if n.ID == "" || n.OperatorID == "" {
		return fmt.Errorf("upsert node: empty id or operator: %w", store.ErrInvalid)
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	protocols, err := encodeList(n.Protocols)
	if err != nil {
		return fmt.Errorf("upsert node %s: %w", n.ID, err)
	}
	if n.PublicKey == nil {
		n.PublicKey = []byte{}
	}
	_, err = s.exec(ctx, `INSERT INTO nodes (`+nodeColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			operator_id = excluded.operator_id, public_key = excluded.public_key,
			country = excluded.country, subdivision = excluded.subdivision, city = excluded.city,
			asn = excluded.asn, conn_type = excluded.conn_type, protocols = excluded.protocols,
			quic_addr = excluded.quic_addr, price_micros_per_gb = excluded.price_micros_per_gb,
			capacity_bps = excluded.capacity_bps, spare_bps = excluded.spare_bps,
			egress_summary = excluded.egress_summary, last_seen = excluded.last_seen`,
		n.ID, n.OperatorID, n.PublicKey, n.Region.Country, n.Region.Subdivision, n.Region.City,
		n.ASN, n.ConnType, protocols, n.QUICAddr, n.PriceMicrosPerGB, n.CapacityBps,
		n.SpareBps, n.EgressSummary, toNanos(n.LastSeen), toNanos(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("upsert node %s: %w", n.ID, constraint(err))
	}
	return nil
}

// nodeColumns is the column list scanNode expects, in insert order.
const nodeColumns = `id, operator_id, public_key, country, subdivision, city, asn, conn_type,
	protocols, quic_addr, price_micros_per_gb, capacity_bps, spare_bps, egress_summary,
	last_seen, created_at`

// nodeSelect is the column list scanNode reads: the registered fields,
// then the reported and measured state.
const nodeSelect = nodeColumns + `, ` + store.StateColumns

// scanNode reads one nodes row.
func scanNode(row interface{ Scan(...any) error }) (store.Node, error) {
	var (
		n                  store.Node
		protocols          string
		lastSeen, creation int64
		st                 store.StateScan
	)
	dest := append([]any{&n.ID, &n.OperatorID, &n.PublicKey, &n.Region.Country, &n.Region.Subdivision,
		&n.Region.City, &n.ASN, &n.ConnType, &protocols, &n.QUICAddr, &n.PriceMicrosPerGB,
		&n.CapacityBps, &n.SpareBps, &n.EgressSummary, &lastSeen, &creation}, st.Dest(&n)...)
	if err := row.Scan(dest...); err != nil {
		return store.Node{}, err
	}
	var err error
	if n.Protocols, err = decodeList(protocols); err != nil {
		return store.Node{}, err
	}
	n.LastSeen, n.CreatedAt = fromNanos(lastSeen), fromNanos(creation)
	st.Apply(&n)
	return n, nil
}

// Node returns the node with the given ID, or store.ErrNotFound.
func (s *Store) Node(ctx context.Context, id string) (store.Node, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+nodeSelect+` FROM nodes WHERE id = ?`, id)
	n, err := scanNode(row)
	if err != nil {
		return store.Node{}, fmt.Errorf("node %s: %w", id, notFound(err))
	}
	return n, nil
}

// Nodes lists the nodes matching every set field of f, ordered by ID and
// starting after f.AfterID. Filters compare exactly, so callers normalise
// (upper-case country codes) before storing and before asking.
func (s *Store) Nodes(ctx context.Context, f store.NodeFilter) ([]store.Node, error) {
	where, args, err := nodeWhere(f)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	// #nosec G202 -- nodeSelect is a constant and where holds only "?" placeholders; values go in args.
	q := `SELECT ` + nodeSelect + ` FROM nodes` + where + ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	defer rows.Close()
	var nodes []store.Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, fmt.Errorf("list nodes: %w", err)
		}
		nodes = append(nodes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return nodes, nil
}

// nodeWhere turns a filter into a WHERE clause and its arguments. Every
// value is a bound parameter; only fixed SQL text is concatenated.
func nodeWhere(f store.NodeFilter) (string, []any, error) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.Country != "" {
		add(`country = ?`, f.Country)
	}
	if f.Subdivision != "" {
		add(`subdivision = ?`, f.Subdivision)
	}
	if f.City != "" {
		add(`city = ?`, f.City)
	}
	if f.ASN != 0 {
		add(`asn = ?`, f.ASN)
	}
	if f.ConnType != "" {
		add(`conn_type = ?`, f.ConnType)
	}
	if f.Protocol != "" {
		add(`EXISTS (SELECT 1 FROM json_each(nodes.protocols) WHERE value = ?)`, f.Protocol)
	}
	if !f.SeenSince.IsZero() {
		add(`last_seen >= ?`, toNanos(f.SeenSince))
	}
	if len(f.ExcludeIDs) > 0 {
		ids, err := encodeList(f.ExcludeIDs)
		if err != nil {
			return "", nil, err
		}
		add(`id NOT IN (SELECT value FROM json_each(?))`, ids)
	}
	if f.AfterID != "" {
		add(`id > ?`, f.AfterID)
	}
	if f.MaxPriceMicro > 0 {
		add(`price_micros_per_gb <= ?`, f.MaxPriceMicro)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args, nil
}
