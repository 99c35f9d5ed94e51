package api

import "time"

// CreateAccountRequest is the body of POST /v1/accounts (admin only).
type CreateAccountRequest struct {
	Kind string `json:"kind"` // buyer or operator
	Name string `json:"name"`
}

// Account is a customer of the market.
type Account struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateKeyRequest is the body of POST /v1/keys. An empty AccountID means
// the caller's own account; an empty Scope means the account's kind; zero
// ExpiresInSeconds means the key does not expire. AllowedCIDRs, when set,
// fences the key to client networks: CIDR prefixes such as
// "203.0.113.0/24" or "2001:db8::/48", or single addresses.
type CreateKeyRequest struct {
	AccountID        string   `json:"account_id,omitempty"`
	Scope            string   `json:"scope,omitempty"`
	ExpiresInSeconds int64    `json:"expires_in_seconds,omitempty"`
	AllowedCIDRs     []string `json:"allowed_cidrs,omitempty"`
	// SpendLimitMicros and ByteLimit cap what the leases a buyer key buys
	// may commit: money held by live leases plus what ended ones were
	// charged, and every byte they were bought for. Zero: no limit.
	SpendLimitMicros int64 `json:"spend_limit_micros,omitempty"`
	ByteLimit        int64 `json:"byte_limit,omitempty"`
}

// Key describes an API key. The Key field holds the full key string,
// sl_<scope>_<id>_<secret>, and is set only in the response that created
// the key: the broker keeps a hash. AllowedCIDRs lists the client networks
// the key works from, in canonical form; empty means anywhere.
type Key struct {
	ID           string    `json:"id"`
	Key          string    `json:"key,omitempty"`
	AccountID    string    `json:"account_id"`
	Scope        string    `json:"scope"`
	CreatedAt    time.Time `json:"created_at"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	AllowedCIDRs []string  `json:"allowed_cidrs,omitempty"`
	// SpendLimitMicros and ByteLimit are the key's limits, as created.
	SpendLimitMicros int64 `json:"spend_limit_micros,omitempty"`
	ByteLimit        int64 `json:"byte_limit,omitempty"`
}

// KeyList is the body of GET /v1/keys, one page in ID order. Like every
// listing it reads {"data": [...], "has_more": bool}: HasMore says that a
// request with starting_after set to the last ID returns more.
type KeyList struct {
	Keys    []Key `json:"data"`
	HasMore bool  `json:"has_more"`
}

// CreditRequest is the body of POST /v1/admin/credits.
type CreditRequest struct {
	AccountID    string `json:"account_id"`
	AmountMicros int64  `json:"amount_micros"`
}

// Credit is the result of a credit: the ledger transaction that funded the
// account.
type Credit struct {
	TxnID        string `json:"txn_id"`
	AccountID    string `json:"account_id"`
	AmountMicros int64  `json:"amount_micros"`
}

// Balance is the body of GET /v1/balance. All amounts are micro-units.
type Balance struct {
	AccountID       string `json:"account_id"`
	AvailableMicros int64  `json:"available_micros"`
	HeldMicros      int64  `json:"held_micros"`
	EarnedMicros    int64  `json:"earned_micros"`
}

// LedgerEntry is one line of a double-entry transaction.
type LedgerEntry struct {
	ID           int64     `json:"id"`
	TxnID        string    `json:"txn_id"`
	Book         string    `json:"book"`
	AmountMicros int64     `json:"amount_micros"`
	Kind         string    `json:"kind"`
	LeaseID      string    `json:"lease_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// LedgerList is the body of GET /v1/ledger, one page of entries in ID
// order; starting_after takes an entry ID.
type LedgerList struct {
	Entries []LedgerEntry `json:"data"`
	HasMore bool          `json:"has_more"`
}

// LedgerCheck is the body of GET /v1/admin/ledger/check: the result of
// auditing the whole ledger.
type LedgerCheck struct {
	SumMicros        int64 `json:"sum_micros"`
	UnbalancedTxns   int   `json:"unbalanced_txns"`
	BookMismatches   int   `json:"book_mismatches"`
	NegativeBalances int   `json:"negative_balances"`
	Balanced         bool  `json:"balanced"`
}
