// Package store defines what the broker keeps: accounts, API keys, nodes,
// leases, metered usage and the double-entry ledger, and the Store interface
// that every storage engine (broker/store/sqlite, later PostgreSQL)
// implements.
//
// The store is bookkeeping only. It does not price traffic or decide what is
// billable (that is metering/billing); it applies amounts it is given
// atomically and idempotently, so that the ledger balances after any crash or
// retry.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors that callers branch on with errors.Is.
var (
	ErrNotFound          = errors.New("not found")
	ErrConflict          = errors.New("conflict")
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrIdempotencyMismatch is returned when an Idempotency-Key is reused
	// with a different request.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	// ErrInvalid is returned for arguments no engine can store as asked: an
	// empty ID, a non-positive amount, an unknown kind or status, a fee
	// above 100%, a sequence number beyond the signed 64-bit range. The
	// broker should have rejected such input before it reached the store.
	ErrInvalid = errors.New("invalid argument")
)

// MaxAmountMicros bounds any single credit or hold (10^9 currency units),
// so that no sum the ledger keeps can overflow int64. Larger amounts are
// ErrInvalid.
const MaxAmountMicros int64 = 1_000_000_000_000_000

// AccountKind says what an account does in the market.
type AccountKind string

// Account kinds.
const (
	KindBuyer    AccountKind = "buyer"
	KindOperator AccountKind = "operator"
	KindAdmin    AccountKind = "admin"
)

// Scope is what an API key may do.
type Scope string

// Key scopes.
const (
	ScopeBuyer    Scope = "buyer"
	ScopeOperator Scope = "operator"
	ScopeAdmin    Scope = "admin"
)

// Account is a customer of the market: a buyer, an operator (seller) or an
// administrator.
type Account struct {
	ID        string
	Kind      AccountKind
	Name      string
	CreatedAt time.Time
}

// APIKey is the stored form of an API key. The secret itself is never
// stored: only Hash (SHA-256 of the whole key string).
type APIKey struct {
	ID        string // public identifier, also the key's lookup prefix
	AccountID string
	Scope     Scope
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: active
	// AllowedCIDRs, when not empty, lists the client networks (CIDR
	// prefixes such as "203.0.113.0/24") the key may be used from.
	AllowedCIDRs []string
	// SpendLimitMicros and ByteLimit, when positive, cap what leases
	// bought with the key may commit (see KeyLimitColumns); zero: none.
	SpendLimitMicros int64
	ByteLimit        int64
}

// Region is where a node's traffic leaves the internet.
type Region struct {
	Country     string // ISO 3166-1 alpha-2, upper case
	Subdivision string // ISO 3166-2, e.g. "DE-BE"; may be empty
	City        string
}

// Node is an exit: an agent or a relay.
type Node struct {
	ID               string // derived from PublicKey
	OperatorID       string
	PublicKey        []byte // Ed25519, 32 bytes
	Region           Region
	ASN              int
	ConnType         string   // residential, business, mobile, datacenter
	Protocols        []string // e.g. "quic"
	QUICAddr         string   // host:port of the QUIC exit
	PriceMicrosPerGB int64    // seller's floor, micro-units per 10^9 bytes
	CapacityBps      int64    // advertised, bytes per second
	SpareBps         int64    // from the latest heartbeat
	EgressSummary    string
	LastSeen         time.Time
	CreatedAt        time.Time
	// Report is what the latest heartbeat said beyond spare capacity.
	Report NodeReport
	// Measured is what the broker measured about the node itself.
	Measured Measured
	// WGPublicKey and WGAddr reach the node's WireGuard exit; empty when
	// it serves none (SetNodeWireGuard sets them).
	WGPublicKey []byte
	WGAddr      string
}

// NodeReport is a node's own account of its state, from its latest
// heartbeat. The zero value is what a node that reports nothing more than
// spare capacity has.
type NodeReport struct {
	LoadBps      int64  // relay traffic now, bytes per second
	ActiveLeases int    // leases with open tunnels
	MaxLeases    int    // the owner's limit on concurrent leases; 0: none
	Unavailable  string // why the owner's controls refuse new leases; "": available
	// OwnerCaps is the owner's caps and schedule as the broker encoded
	// them (JSON); the store keeps it opaque. "": none reported.
	OwnerCaps string
	// LinkUpBps and LinkDownBps are the node's own estimate of its line's
	// capacity, measured at LinkMeasuredAt (zero: never).
	LinkUpBps, LinkDownBps int64
	LinkMeasuredAt         time.Time
}

// Measured is what the broker measured about a node: line throughput from
// the node's probes against the broker, and reachability checks of its
// exit.
type Measured struct {
	// ProbeUpBps and ProbeDownBps are the latest throughput the broker saw
	// in each direction of the node's line (up: from the node), at
	// ProbedAt (zero: never).
	ProbeUpBps, ProbeDownBps int64
	ProbedAt                 time.Time
	// Checks and CheckSuccesses count the broker's reachability checks of
	// the exit; LatencyMicros is a moving average of the successful ones'
	// round trips, CheckedAt the latest check's time (zero: never).
	Checks, CheckSuccesses int64
	LatencyMicros          int64
	CheckedAt              time.Time
}

// LinkProbe is one throughput measurement of a node's line by the broker.
type LinkProbe struct {
	NodeID string
	Up     bool  // the node sent (true) or received (false)
	Bps    int64 // bytes per second
	At     time.Time
}

// Check is one reachability check of a node's exit by the broker.
type Check struct {
	NodeID  string
	OK      bool
	Latency time.Duration // round trip of a successful check
	At      time.Time
}

// LatencyWeight is the weight of the newest check in the moving average
// of latencies, as 1/LatencyWeight: both engines compute
// avg' = (avg*(LatencyWeight-1) + sample) / LatencyWeight, and the first
// sample as itself.
const LatencyWeight = 8

// NodeFilter selects nodes for listing and matching. Zero fields match all.
type NodeFilter struct {
	Country       string
	Subdivision   string
	City          string
	ASN           int
	ConnType      string
	Protocol      string
	SeenSince     time.Time // only nodes with LastSeen at or after this
	ExcludeIDs    []string
	Limit         int // 0: no limit
	AfterID       string
	MaxPriceMicro int64 // 0: any price
}

// Heartbeat is what a node reports periodically.
type Heartbeat struct {
	NodeID   string
	SpareBps int64
	Report   NodeReport
	At       time.Time
}

// LeaseStatus is where a lease is in its life.
type LeaseStatus string

// Lease states.
const (
	LeaseActive    LeaseStatus = "active"
	LeaseClosed    LeaseStatus = "closed"
	LeaseExhausted LeaseStatus = "exhausted"
	LeaseExpired   LeaseStatus = "expired"
)

// Lease is coverage a buyer bought: a hold on its balance and a set of exits.
type Lease struct {
	ID               string
	BuyerID          string
	Status           LeaseStatus
	PriceMicrosPerGB int64
	FeeBPS           int64  // broker fee in basis points of the charge
	HoldMicros       int64  // amount held, raised by extensions
	MaxBytes         int64  // byte cap the buyer asked for (0 in leases stored before it was kept)
	RateBps          int64  // 0: unlimited
	Mode             string // how the buyer's gateway spreads traffic over the exits
	Protocols        []string
	NodeIDs          []string
	CreatedAt        time.Time
	ExpiresAt        time.Time
	ClosedAt         time.Time
	BuyerKey         []byte // Ed25519 key the buyer countersigns receipts with; nil: none
	// Coverage is what the buyer asked of the exits' location; a
	// replacement for a dead exit must match it too.
	Coverage Coverage
	// KeyID is the API key that bought the lease ("" for leases stored
	// before keys were kept); its limits apply to the lease's holds.
	KeyID string
}

// EndedLease is a lease that stopped being active: closed, expired or
// exhausted. Exits learn of it in their heartbeat answers, so that they
// refuse its tokens and end its tunnels.
type EndedLease struct {
	LeaseID   string
	Status    LeaseStatus
	ExpiresAt time.Time
	// EndedAt is when the lease last left the active state: its close
	// time, or when a receipt used up its hold.
	EndedAt time.Time
}

// LeaseExtension buys more of a lease: more bytes, more time, or both.
type LeaseExtension struct {
	LeaseID       string
	AddHoldMicros int64         // moved from the buyer's available balance to the hold
	AddMaxBytes   int64         // added to MaxBytes
	AddDuration   time.Duration // added to ExpiresAt
}

// Settlement is one verified cumulative receipt turned into money by the
// broker: the cumulative totals so far for (LeaseID, NodeID). The store
// applies only the increase over what it has already settled for that pair,
// so replays and reordered receipts are harmless.
type Settlement struct {
	LeaseID         string
	NodeID          string
	Seq             uint64
	BytesUp         int64 // cumulative, buyer → destination
	BytesDown       int64 // cumulative, destination → buyer
	CumChargeMicros int64 // cumulative buyer charge for this pair
	CumFeeMicros    int64 // cumulative broker fee within that charge
}

// SettleResult says what a Settle call did.
type SettleResult struct {
	Applied       bool  // false: nothing new (replay or older receipt)
	ChargedMicros int64 // buyer debit applied by this call
	FeeMicros     int64
	SellerMicros  int64
	Exhausted     bool // the lease's hold is used up; the lease is now exhausted
}

// SettlementRecord is what one Settle call changed for one exit of a
// lease: the increase in bytes it recorded and the money it moved, with
// the ledger transaction that moved it (empty when only bytes rose, as for
// receipts after a lease closed). Operators' statements are sums of these
// records, so every number traces back to ledger entries.
type SettlementRecord struct {
	ID            int64 // increasing in the order records were written
	TxnID         string
	LeaseID       string
	NodeID        string
	OperatorID    string
	Seq           uint64
	BytesUp       int64 // increase over the previous record of the pair
	BytesDown     int64
	ChargedMicros int64 // buyer charge (gross)
	FeeMicros     int64 // broker fee within the charge
	CreatedAt     time.Time
}

// SettlementFilter selects an operator's settlement records written in
// [From, To) with IDs above AfterID, in ID order. A zero From or To is
// unbounded; Limit is clamped to 1..1000, 0 meaning 100.
type SettlementFilter struct {
	OperatorID string
	From, To   time.Time
	AfterID    int64
	Limit      int
}

// Usage is the settled state of one exit of a lease.
type Usage struct {
	LeaseID       string
	NodeID        string
	Seq           uint64
	BytesUp       int64
	BytesDown     int64
	ChargedMicros int64
	FeeMicros     int64
	UpdatedAt     time.Time
}

// Balance of an account, in micro-units.
type Balance struct {
	AccountID       string
	AvailableMicros int64
	HeldMicros      int64
	EarnedMicros    int64 // operator earnings
}

// LedgerEntry is one line of a double-entry transaction. Every transaction's
// entries sum to zero.
type LedgerEntry struct {
	ID           int64
	TxnID        string
	Book         string // e.g. "buyer:<id>:available", "seller:<id>", "broker:fees", "external:funding"
	AccountID    string // owning account, empty for broker/external books
	AmountMicros int64  // positive: credit to Book; negative: debit
	Kind         string // credit, hold, charge, fee, release
	LeaseID      string
	CreatedAt    time.Time
}

// LedgerCheck is the result of auditing the whole ledger.
type LedgerCheck struct {
	SumMicros        int64 // sum of every entry; must be 0
	UnbalancedTxns   int   // transactions whose entries do not sum to 0
	BookMismatches   int   // cached balances that differ from their entries
	NegativeBalances int   // buyer available or held below zero
}

// Balanced reports whether the audit found nothing wrong.
func (c LedgerCheck) Balanced() bool {
	return c.SumMicros == 0 && c.UnbalancedTxns == 0 && c.BookMismatches == 0 && c.NegativeBalances == 0
}

// IdempotencyRecord is the outcome of one POST sent with an
// Idempotency-Key, stored under the caller's account and the key so that a
// retry gets the first answer instead of a second effect. A record is
// pending while its request runs and complete once the answer is stored.
type IdempotencyRecord struct {
	AccountID   string
	Key         string
	RequestHash []byte // identifies the request; a retry must match it
	// Token identifies one claim of the key: completing or releasing a
	// record needs the token of the claim that made it.
	Token       string
	Complete    bool
	Status      int // HTTP status of the stored answer
	ContentType string
	Body        []byte
	CreatedAt   time.Time // when the key was (last) claimed
}

// Webhook is an endpoint an account asked the broker to post its events
// to, signed with Secret.
type Webhook struct {
	ID        string
	AccountID string
	URL       string
	Events    []string // event types it receives
	Secret    string
	CreatedAt time.Time
	DeletedAt time.Time // zero: active
}

// Event is something that happened to an account, in the outbox until it
// reaches the account's webhooks. Payload is the exact JSON body they get.
type Event struct {
	ID        string // receivers deduplicate on it
	AccountID string
	Type      string
	Payload   []byte
	CreatedAt time.Time
}

// DeliveryState is where a delivery of an event to a webhook is.
type DeliveryState string

// Delivery states.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed" // retries exhausted, or the webhook was deleted
)

// Delivery is one event on its way to one webhook, with what sending it
// needs.
type Delivery struct {
	ID          int64
	EventID     string
	EventType   string
	WebhookID   string
	URL         string
	Secret      string
	Payload     []byte
	State       DeliveryState
	Attempts    int
	NextAttempt time.Time
	LastError   string
}

// DeliveryOutcome is the result of one attempt: delivered, or to be tried
// again at RetryAt, or (zero RetryAt) given up.
type DeliveryOutcome struct {
	DeliveryID int64
	Delivered  bool
	RetryAt    time.Time
	Error      string
}

// Store is everything the broker needs from storage. Implementations must be
// safe for concurrent use; every method that moves money runs in one
// database transaction. The conformance suite in broker/store/storetest
// pins down the rules below for every engine.
//
// Common rules: a missing row (or a reference to a missing account or
// node) is ErrNotFound, a duplicate ID is ErrConflict, unusable arguments
// are ErrInvalid. Zero times are stored as unset and come back zero; other
// times come back in UTC with nanosecond precision. A zero CreatedAt (or
// heartbeat or close time) is set to the store's clock. Paged listings
// (Ledger, Leases) clamp limit to 1..1000, 0 meaning 100.
type Store interface {
	CommandStore
	WireGuardStore
	PairingStore
	ExitStore
	ReceiptLog

	CreateAccount(ctx context.Context, a Account) error
	Account(ctx context.Context, id string) (Account, error)

	CreateKey(ctx context.Context, k APIKey) error
	Key(ctx context.Context, id string) (APIKey, error)
	// Keys lists an account's keys, revoked ones included, by ID.
	Keys(ctx context.Context, accountID string) ([]APIKey, error)
	// RevokeKey sets RevokedAt of the account's key; a key of another
	// account is ErrNotFound. Revoking twice keeps the first time.
	RevokeKey(ctx context.Context, accountID, keyID string, at time.Time) error

	// Credit moves amount (1..MaxAmountMicros) from external funding to
	// the buyer's available balance. A repeated idemKey for the same
	// account and amount returns the first transaction's ID and changes
	// nothing; another amount is ErrIdempotencyMismatch. An empty idemKey
	// is not deduplicated.
	Credit(ctx context.Context, idemKey, accountID string, amountMicros int64) (txnID string, err error)
	// Balance reads an account's books; books never written count as 0.
	Balance(ctx context.Context, accountID string) (Balance, error)
	// Ledger lists an account's entries in ID order after the cursor.
	Ledger(ctx context.Context, accountID string, afterID int64, limit int) ([]LedgerEntry, error)
	CheckLedger(ctx context.Context) (LedgerCheck, error)

	// UpsertNode inserts a node or updates every field but CreatedAt.
	UpsertNode(ctx context.Context, n Node) error
	Node(ctx context.Context, id string) (Node, error)
	// Nodes lists nodes matching every set filter field, ordered by ID.
	Nodes(ctx context.Context, f NodeFilter) ([]Node, error)
	// RecordHeartbeat sets SpareBps, Report and LastSeen of a known node.
	RecordHeartbeat(ctx context.Context, h Heartbeat) error
	// RecordLinkProbe sets one direction of a known node's measured line
	// throughput and ProbedAt.
	RecordLinkProbe(ctx context.Context, p LinkProbe) error
	// RecordCheck counts one reachability check of a known node's exit
	// and folds a successful one's latency into the moving average.
	RecordCheck(ctx context.Context, c Check) error

	// CreateLease holds l.HoldMicros of the buyer's available balance and
	// stores the lease as active, atomically (an empty l.ID is generated).
	// It fails with ErrInsufficientFunds when the balance is short, writing
	// nothing. A repeated idemKey from the same buyer returns the first
	// lease (created=false); a different request under the same key is
	// ErrIdempotencyMismatch. An empty idemKey is not deduplicated.
	CreateLease(ctx context.Context, idemKey string, requestHash []byte, l Lease) (stored Lease, created bool, err error)
	Lease(ctx context.Context, id string) (Lease, error)
	Leases(ctx context.Context, buyerID string, afterID string, limit int) ([]Lease, error)
	// ExtendLease applies e atomically: it moves e.AddHoldMicros of the
	// buyer's available balance to its hold and adds it to HoldMicros,
	// adds e.AddMaxBytes to MaxBytes and e.AddDuration to ExpiresAt. An
	// exhausted lease that gains hold is active again. A closed or expired
	// lease is ErrConflict; a short balance is ErrInsufficientFunds, and
	// neither writes anything. Negative additions, none at all, or a hold
	// beyond MaxAmountMicros are ErrInvalid.
	ExtendLease(ctx context.Context, e LeaseExtension) (Lease, error)
	// CloseLease releases what is left of the hold and sets the status
	// (closed, expired). Closing a lease that is neither active nor
	// exhausted returns it unchanged.
	CloseLease(ctx context.Context, id string, status LeaseStatus, at time.Time) (Lease, error)
	// EndedLeases lists up to limit leases served by nodeID that are not
	// active and ended at or after since, most recently ended first (ties
	// by lease ID). limit is clamped to 1..1000, 0 meaning 100. A lease
	// that an extension made active again is not listed.
	EndedLeases(ctx context.Context, nodeID string, since time.Time, limit int) ([]EndedLease, error)

	// Settle applies the increase of a cumulative receipt over what was
	// settled for (lease, node): buyer's held book −charge, the node's
	// operator +(charge−fee), broker:fees +fee. A receipt whose Seq is not
	// above the stored one, or whose charge is not above what was charged,
	// moves nothing. Only an active lease has hold left to charge: a charge
	// past it is capped, its fee recomputed as floor(capped*FeeBPS/10000),
	// and the lease becomes exhausted; receipts for exhausted, closed or
	// expired leases move nothing. Byte counts and Seq in Usage still rise
	// to the highest reported. Every call that raises bytes or moves money
	// also writes a SettlementRecord.
	Settle(ctx context.Context, s Settlement) (SettleResult, error)
	// Usage lists the settled state of a lease's exits, ordered by node.
	Usage(ctx context.Context, leaseID string) ([]Usage, error)
	// Settlements lists settlement records; Settle writes one, in its
	// transaction, whenever it raises a pair's bytes or moves money.
	Settlements(ctx context.Context, f SettlementFilter) ([]SettlementRecord, error)

	// CreateWebhook stores an active webhook; its account must exist.
	CreateWebhook(ctx context.Context, w Webhook) error
	// Webhook reads a webhook, deleted or not, or ErrNotFound.
	Webhook(ctx context.Context, id string) (Webhook, error)
	// Webhooks lists an account's active webhooks by ID after afterID.
	Webhooks(ctx context.Context, accountID, afterID string, limit int) ([]Webhook, error)
	// DeleteWebhook deletes the account's webhook (of another account:
	// ErrNotFound) and fails its pending deliveries. Deleting twice keeps
	// the first time.
	DeleteWebhook(ctx context.Context, accountID, id string, at time.Time) error
	// EnqueueEvent stores e with a pending delivery, due at e.CreatedAt,
	// for each active webhook of e.AccountID that receives e.Type, and
	// returns how many; with none it stores nothing. A repeated event ID
	// is ErrConflict.
	EnqueueEvent(ctx context.Context, e Event) (deliveries int, err error)
	// ClaimDeliveries returns up to limit pending deliveries due at now,
	// oldest first, and moves their NextAttempt to lockUntil, atomically,
	// so that a concurrent claim (another broker) skips them while they
	// are sent.
	ClaimDeliveries(ctx context.Context, now, lockUntil time.Time, limit int) ([]Delivery, error)
	// FinishDelivery records an attempt of a pending delivery: Attempts
	// rises, and it becomes delivered, pending again at o.RetryAt, or
	// failed. A delivery that is not pending is left alone.
	FinishDelivery(ctx context.Context, o DeliveryOutcome) error
	// Deliveries lists the deliveries of an event, by ID.
	Deliveries(ctx context.Context, eventID string) ([]Delivery, error)

	// ClaimIdempotency claims (r.AccountID, r.Key) for the request r
	// describes, atomically: when no record exists, or a pending one was
	// claimed before staleBefore (its request died), it stores r as
	// pending and returns it with claimed=true. Otherwise it returns the
	// stored record, complete or still pending, with claimed=false. A
	// stored record of another RequestHash is ErrIdempotencyMismatch. An
	// empty account, key or token is ErrInvalid.
	ClaimIdempotency(ctx context.Context, r IdempotencyRecord, staleBefore time.Time) (stored IdempotencyRecord, claimed bool, err error)
	// Idempotency reads a record, or ErrNotFound.
	Idempotency(ctx context.Context, accountID, key string) (IdempotencyRecord, error)
	// CompleteIdempotency stores the answer (Status, ContentType, Body) of
	// the pending record claimed with r.Token. A record that is missing,
	// complete or claimed with another token is ErrConflict.
	CompleteIdempotency(ctx context.Context, r IdempotencyRecord) error
	// ReleaseIdempotency deletes the pending record claimed with token, so
	// that the key may be used again; anything else is left alone.
	ReleaseIdempotency(ctx context.Context, accountID, key, token string) error
	// PruneIdempotency deletes the records claimed before before and
	// returns how many it deleted.
	PruneIdempotency(ctx context.Context, before time.Time) (int64, error)

	Close() error
}
