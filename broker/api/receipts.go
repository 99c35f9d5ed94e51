package api

import "time"

// ReceiptBatch is the body of POST /v1/receipts: encoded signed cumulative
// receipts, as produced by the exits.
type ReceiptBatch struct {
	Receipts []string `json:"receipts"`
}

// ReceiptResult says what became of one receipt of a batch. Error is set
// (and nothing was applied) when the receipt was refused; Applied is false
// for a valid receipt that added nothing new, such as a replay.
type ReceiptResult struct {
	LeaseID       string `json:"lease_id,omitempty"`
	NodeID        string `json:"node_id,omitempty"`
	Seq           uint64 `json:"seq"`
	Applied       bool   `json:"applied"`
	ChargedMicros int64  `json:"charged_micros"`
	Exhausted     bool   `json:"exhausted"`
	Error         string `json:"error,omitempty"`
	// Countersigned says the buyer's countersignature was checked; on a
	// lease with a buyer key only countersigned receipts are billed.
	Countersigned bool `json:"countersigned,omitempty"`
	// Disputed says the receipt claims more than the buyer countersigned,
	// beyond the tolerance and the exposure window, and a dispute was
	// recorded.
	Disputed bool `json:"disputed,omitempty"`
}

// DisputeReport is the body of POST /v1/leases/{id}/disputes: a receipt
// the buyer's side refused, as the exit sent it, and the buyer's own
// counts at the time.
type DisputeReport struct {
	Receipt   string `json:"receipt"`
	BuyerUp   int64  `json:"buyer_up"`
	BuyerDown int64  `json:"buyer_down"`
}

// Dispute is a recorded disagreement between an exit's count and the
// buyer's. Source is "buyer" (reported by the buyer's side) or "exit" (an
// uploaded receipt above what the buyer countersigned).
type Dispute struct {
	LeaseID     string    `json:"lease_id"`
	NodeID      string    `json:"node_id"`
	Seq         uint64    `json:"seq"`
	Source      string    `json:"source"`
	ClaimedUp   int64     `json:"claimed_up"`
	ClaimedDown int64     `json:"claimed_down"`
	AgreedUp    int64     `json:"agreed_up"`
	AgreedDown  int64     `json:"agreed_down"`
	CreatedAt   time.Time `json:"created_at"`
}

// DisputeList is the body of GET /v1/disputes and GET
// /v1/leases/{id}/disputes.
type DisputeList struct {
	Disputes []Dispute `json:"data"`
}

// ReceiptResults is the response to POST /v1/receipts, in batch order.
type ReceiptResults struct {
	Results []ReceiptResult `json:"results"`
}

// BrokerKey is a public key the broker signs lease tokens with.
type BrokerKey struct {
	KID       string `json:"kid"`
	PublicKey string `json:"public_key"` // standard base64 Ed25519
}

// BrokerKeys is the body of GET /v1/broker/keys.
type BrokerKeys struct {
	Keys []BrokerKey `json:"keys"`
}
