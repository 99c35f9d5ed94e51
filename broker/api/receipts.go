package api

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
