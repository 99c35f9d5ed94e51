package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Advisory lock classes: the first integer of PostgreSQL's two-integer
// advisory key space (the migration lock lives in the one-bigint space,
// which never overlaps it). The second integer is a hash; two names that
// hash alike merely wait for each other.
const (
	lockCredit  int32 = 1 // idempotency key of a credit
	lockLease   int32 = 2 // idempotency key of a lease request
	lockAccount int32 = 3 // ledger writes of one account
	lockRequest int32 = 4 // idempotency key of a stored API answer
)

// Lock order, which every transaction follows so that none waits for
// another in a cycle: at most one idempotency key, then lease rows, then
// account locks by increasing hash, then book rows by name.

// lockIdempotencyKey makes concurrent requests with the same key for the
// same account run one after the other: the lock lasts until the
// transaction ends, so the next holder sees what the previous committed.
func lockIdempotencyKey(ctx context.Context, tx pgx.Tx, class int32, accountID, key string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, class, hash32(accountID, key))
	if err != nil {
		return fmt.Errorf("lock idempotency key: %w", err)
	}
	return nil
}

// lockAccounts takes the ledger lock of each named account (empty names,
// the broker's and external books, are skipped) until the transaction
// ends. Because every transaction writing an account's entries holds its
// lock, the account's entries get IDs in commit order, and a reader paging
// through the account's ledger by ID never misses one that commits later.
// Taking a lock the transaction already holds is harmless.
func lockAccounts(ctx context.Context, tx pgx.Tx, accountIDs ...string) error {
	var keys []int32
	for _, id := range accountIDs {
		if id != "" {
			keys = append(keys, hash32(id))
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	_, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::int4[]) AS k`,
		lockAccount, keys)
	if err != nil {
		return fmt.Errorf("lock accounts: %w", err)
	}
	return nil
}

// hash32 hashes names into the second integer of an advisory key.
func hash32(names ...string) int32 {
	h := fnv.New32a()
	for i, n := range names {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(n))
	}
	return int32(h.Sum32())
}
