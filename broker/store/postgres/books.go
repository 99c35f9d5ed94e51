package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
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

// post writes one balanced transaction: its ledger entries, in the order
// given, and the cached balance of every book it touches. It first locks
// the accounts the entries belong to, then updates the books in name
// order, so that concurrent transactions take shared locks in one global
// order. Zero-amount postings are skipped. It returns the new transaction
// ID.
func (s *Store) post(ctx context.Context, tx pgx.Tx, leaseID string, ps ...posting) (string, error) {
	var sum int64
	ps = slices.DeleteFunc(slices.Clone(ps), func(p posting) bool { return p.amount == 0 })
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
	if err := lockAccounts(ctx, tx, postingAccounts(ps)...); err != nil {
		return "", fmt.Errorf("post %s: %w", txnID, err)
	}
	if err := moveBooks(ctx, tx, ps); err != nil {
		return "", fmt.Errorf("post %s: books: %w", txnID, err)
	}
	if err := s.insertEntries(ctx, tx, txnID, leaseID, ps); err != nil {
		return "", fmt.Errorf("post %s: entries: %w", txnID, err)
	}
	return txnID, nil
}

// moveBooks adds the postings to their books' cached balances, creating
// books on first use, one statement per book in name order.
func moveBooks(ctx context.Context, tx pgx.Tx, ps []posting) error {
	sorted := slices.Clone(ps)
	slices.SortFunc(sorted, func(a, b posting) int { return strings.Compare(a.book.name, b.book.name) })
	for i := 0; i < len(sorted); {
		b, amount := sorted[i].book, int64(0)
		for ; i < len(sorted) && sorted[i].book.name == b.name; i++ {
			amount += sorted[i].amount
		}
		_, err := tx.Exec(ctx, `INSERT INTO books (name, account_id, class, balance) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET balance = books.balance + excluded.balance`,
			b.name, b.accountID, b.class, amount)
		if err != nil {
			return err
		}
	}
	return nil
}

// insertEntries writes the ledger lines of one transaction in one
// statement; identity values follow the array order.
func (s *Store) insertEntries(ctx context.Context, tx pgx.Tx, txnID, leaseID string, ps []posting) error {
	books := make([]string, len(ps))
	accounts := make([]string, len(ps))
	amounts := make([]int64, len(ps))
	kinds := make([]string, len(ps))
	for i, p := range ps {
		books[i], accounts[i], amounts[i], kinds[i] = p.book.name, p.book.accountID, p.amount, p.kind
	}
	_, err := tx.Exec(ctx, `INSERT INTO ledger_entries (txn_id, book, account_id, amount, kind, lease_id, created_at)
		SELECT $1, e.book, e.account_id, e.amount, e.kind, $2, $3
		FROM unnest($4::text[], $5::text[], $6::bigint[], $7::text[]) WITH ORDINALITY
			AS e(book, account_id, amount, kind, ord)
		ORDER BY e.ord`,
		txnID, leaseID, toNanos(s.now()), books, accounts, amounts, kinds)
	return err
}

// postingAccounts lists the accounts owning the postings' books.
func postingAccounts(ps []posting) []string {
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.book.accountID)
	}
	return ids
}

// balance reads a book's cached balance; a book never written is 0. With
// lock set it also locks the book's row until the transaction ends.
func balance(ctx context.Context, q querier, b book, lock bool) (int64, error) {
	sql := `SELECT balance FROM books WHERE name = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var v int64
	err := q.QueryRow(ctx, sql, b.name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("balance of %s: %w", b.name, err)
	}
	return v, nil
}
