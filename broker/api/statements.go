package api

import "time"

// Statement periods.
const (
	PeriodDay  = "day"
	PeriodHour = "hour"
)

// Statement is what one exit of an operator carried and earned in one
// period (UTC days or hours), summed from the broker's settlement
// records: BytesUp and BytesDown metered, ChargedMicros paid by buyers
// (gross), FeeMicros kept by the broker and NetMicros = ChargedMicros −
// FeeMicros credited to the operator. TxnIDs are the ledger transactions
// that moved the money, so every number can be checked against
// GET /v1/ledger. Settlements counts the settled receipts. ID orders
// statements by period, then node.
type Statement struct {
	ID            string    `json:"id"`
	NodeID        string    `json:"node_id"`
	PeriodStart   time.Time `json:"period_start"`
	PeriodEnd     time.Time `json:"period_end"`
	BytesUp       int64     `json:"bytes_up"`
	BytesDown     int64     `json:"bytes_down"`
	ChargedMicros int64     `json:"charged_micros"`
	FeeMicros     int64     `json:"fee_micros"`
	NetMicros     int64     `json:"net_micros"`
	// NodeAttestedBytes is the part of the bytes billed on the node's
	// count alone, for leases whose buyers do not countersign receipts
	// (stock WireGuard clients); the rest were countersigned.
	NodeAttestedBytes int64    `json:"node_attested_bytes"`
	Settlements       int      `json:"settlements"`
	TxnIDs            []string `json:"txn_ids"`
}

// StatementList is the body of GET /v1/statements: one page of statements
// with activity, in ID order (period, then node).
type StatementList struct {
	Statements []Statement `json:"data"`
	HasMore    bool        `json:"has_more"`
}
