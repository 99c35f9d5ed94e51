package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Book classes, stored beside each book so audits need not parse names.
const (
	classAvailable = "buyer_available"
	classHeld      = "buyer_held"
	classSeller    = "seller"
	classFees      = "broker_fees"
	classFunding   = "external_funding"
)

// Ledger entry kinds.
const (
	kindCredit  = "credit"
	kindHold    = "hold"
	kindCharge  = "charge"
	kindFee     = "fee"
	kindRelease = "release"
)

// book names one balance in the ledger and the account it belongs to.
type book struct {
	name      string
	accountID string // empty for broker and external books
	class     string
}

func availableBook(buyerID string) book {
	return book{"buyer:" + buyerID + ":available", buyerID, classAvailable}
}

func heldBook(buyerID string) book {
	return book{"buyer:" + buyerID + ":held", buyerID, classHeld}
}

func sellerBook(operatorID string) book {
	return book{"seller:" + operatorID, operatorID, classSeller}
}

var (
	feesBook    = book{"broker:fees", "", classFees}
	fundingBook = book{"external:funding", "", classFunding}
)

// posting is one line of a transaction about to be written.
type posting struct {
	book   book
	amount int64
	kind   string
}

// errUnbalanced guards the double-entry rule inside this package; reaching
// it is a bug in a caller here, never a consequence of input.
var errUnbalanced = errors.New("postings do not sum to zero")

// post writes one balanced transaction: its ledger entries and, in the same
// database transaction, the cached balance of every book it touches.
// Zero-amount postings are skipped. It returns the new transaction ID.
func (s *Store) post(ctx context.Context, tx *sql.Tx, leaseID string, ps ...posting) (string, error) {
	var sum int64
	for _, p := range ps {
		sum += p.amount
	}
	if sum != 0 {
		return "", fmt.Errorf("post: %w (%d)", errUnbalanced, sum)
	}
	txnID, err := newID("tx_")
	if err != nil {
		return "", err
	}
	at := toNanos(s.now())
	for _, p := range ps {
		if p.amount == 0 {
			continue
		}
		if err := postOne(ctx, tx, txnID, leaseID, at, p); err != nil {
			return "", fmt.Errorf("post %s to %s: %w", txnID, p.book.name, err)
		}
	}
	return txnID, nil
}

// postOne adds one entry and moves its book's cached balance.
func postOne(ctx context.Context, tx *sql.Tx, txnID, leaseID string, at int64, p posting) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO books (name, account_id, class, balance)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET balance = balance + excluded.balance`,
		p.book.name, p.book.accountID, p.book.class, p.amount)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ledger_entries
		(txn_id, book, account_id, amount, kind, lease_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		txnID, p.book.name, p.book.accountID, p.amount, p.kind, leaseID, at)
	return err
}

// balance reads a book's cached balance; a book never written is 0.
func balance(ctx context.Context, q queryer, b book) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT balance FROM books WHERE name = ?`, b.name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("balance of %s: %w", b.name, err)
	}
	return v, nil
}
