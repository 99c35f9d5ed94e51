package node

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/sparelink/sparelink/metering/receipt"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// SpoolFile is the receipt spool's file name in a node's data directory.
const SpoolFile = "receipts.db"

// spool keeps the node's receipts in SQLite until the broker has them:
// every receipt the exit issues, each replaced by its countersigned form
// when the buyer returns it. Every write is committed (WAL, synchronous
// FULL) before the exit sends or relies on the receipt, so a crash loses
// none; uploads are idempotent at the broker, so a batch sent twice after
// a crash counts once. Uploaded receipts are pruned, except each lease's
// last own and last countersigned ones, which a restarted node resumes
// its hash chains and exposure windows from.
type spool struct {
	db *sql.DB
}

var _ quicexit.ReceiptSink = (*spool)(nil)

// openSpool opens (creating) the spool at path; empty means in memory.
func openSpool(path string) (*spool, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	dsn := "file:" + path + "?" + q.Encode()
	if path == "" {
		dsn = "file::memory:"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open receipt spool: %w", err)
	}
	db.SetMaxOpenConns(1) // one writer; and one connection is one in-memory database
	_, err = db.Exec(`CREATE TABLE IF NOT EXISTS receipts (
		lease_id      TEXT NOT NULL,
		seq           INTEGER NOT NULL,
		countersigned INTEGER NOT NULL,
		uploaded      INTEGER NOT NULL,
		data          BLOB NOT NULL,
		PRIMARY KEY (lease_id, seq)) WITHOUT ROWID`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open receipt spool %s: %w", path, err)
	}
	return &spool{db: db}, nil
}

func (s *spool) close() error { return s.db.Close() }

// Issued keeps a receipt the exit issued.
func (s *spool) Issued(r *receipt.Receipt) error {
	return s.put(r, false)
}

// Countersigned keeps a receipt the buyer countersigned, replacing its
// bare form, to be uploaded again.
func (s *spool) Countersigned(r *receipt.Receipt) error {
	return s.put(r, true)
}

func (s *spool) put(r *receipt.Receipt, countersigned bool) error {
	data, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = s.db.Exec(`INSERT INTO receipts (lease_id, seq, countersigned, uploaded, data)
		VALUES (?, ?, ?, 0, ?) ON CONFLICT (lease_id, seq) DO UPDATE
		SET countersigned = 1, uploaded = 0, data = excluded.data
		WHERE excluded.countersigned = 1 AND receipts.countersigned = 0`,
		r.LeaseID, int64(r.Seq), countersigned, data)
	if err != nil {
		return fmt.Errorf("spool receipt %s/%d: %w", r.LeaseID, r.Seq, err)
	}
	return nil
}

// pending returns up to limit receipts not yet uploaded, in chain order.
func (s *spool) pending(ctx context.Context, limit int) ([]*receipt.Receipt, error) {
	return s.query(ctx, `SELECT data FROM receipts WHERE uploaded = 0 ORDER BY lease_id, seq LIMIT ?`, limit)
}

// heads returns each lease's last own receipt and, when there is one,
// its last countersigned receipt.
func (s *spool) heads(ctx context.Context) (own, countersigned []*receipt.Receipt, err error) {
	own, err = s.query(ctx, `SELECT data FROM receipts r WHERE seq =
		(SELECT MAX(seq) FROM receipts WHERE lease_id = r.lease_id)`)
	if err != nil {
		return nil, nil, err
	}
	countersigned, err = s.query(ctx, `SELECT data FROM receipts r WHERE countersigned = 1 AND seq =
		(SELECT MAX(seq) FROM receipts WHERE lease_id = r.lease_id AND countersigned = 1)`)
	return own, countersigned, err
}

func (s *spool) query(ctx context.Context, q string, args ...any) ([]*receipt.Receipt, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read receipt spool: %w", err)
	}
	defer rows.Close()
	var out []*receipt.Receipt
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("read receipt spool: %w", err)
		}
		r := new(receipt.Receipt)
		if err := r.UnmarshalBinary(data); err != nil {
			return nil, fmt.Errorf("receipt spool holds a bad receipt: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// uploaded marks batch as delivered, unless a receipt was countersigned
// since it was read, and prunes what no restart needs.
func (s *spool) uploaded(ctx context.Context, batch []*receipt.Receipt) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("receipt spool: %w", err)
	}
	defer tx.Rollback()
	for _, r := range batch {
		_, err := tx.ExecContext(ctx, `UPDATE receipts SET uploaded = 1
			WHERE lease_id = ? AND seq = ? AND countersigned = ?`, r.LeaseID, int64(r.Seq), len(r.BuyerSig) > 0)
		if err != nil {
			return fmt.Errorf("receipt spool: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM receipts WHERE uploaded = 1
		AND seq <> (SELECT MAX(seq) FROM receipts h WHERE h.lease_id = receipts.lease_id)
		AND seq <> COALESCE((SELECT MAX(seq) FROM receipts h
			WHERE h.lease_id = receipts.lease_id AND h.countersigned = 1), -1)`)
	if err != nil {
		return fmt.Errorf("receipt spool: %w", err)
	}
	return tx.Commit()
}
