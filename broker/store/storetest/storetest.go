// Package storetest is the conformance suite for store.Store engines. Every
// engine's tests call Run against a real, empty database, so that SQLite
// and PostgreSQL provably keep the same contract: the same sentinel errors,
// the same idempotency, and a ledger that balances after every scenario,
// including concurrent ones.
//
// It tests behaviour through the Store interface only; engine details
// (schemas, reopening, migrations) belong in the engine's own tests.
package storetest

import (
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

// Opener returns a new, empty store for one test and arranges (with
// t.Cleanup) for it to be closed when the test ends.
type Opener func(t *testing.T) store.Store

// Run runs every conformance test as a subtest of t, each on a store of
// its own from open. The ledger is audited at the end of each subtest.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Accounts", testAccounts},
		{"Keys", testKeys},
		{"RevokeKey", testRevokeKey},
		{"UpsertNode", testUpsertNode},
		{"NodesFilter", testNodesFilter},
		{"NodesPaging", testNodesPaging},
		{"Heartbeat", testHeartbeat},
		{"HeartbeatReport", testHeartbeatReport},
		{"LinkProbe", testLinkProbe},
		{"Checks", testChecks},
		{"Commands", testCommands},
		{"WireGuardPeers", testWireGuardPeers},
		{"PairingCodes", testPairingCodes},
		{"AddLeaseExit", testAddLeaseExit},
		{"KeyLimits", testKeyLimits},
		{"Credit", testCredit},
		{"CreditIdempotency", testCreditIdempotency},
		{"Balance", testBalance},
		{"Ledger", testLedger},
		{"LedgerPaging", testLedgerPaging},
		{"CreateLease", testCreateLease},
		{"CreateLeaseRejects", testCreateLeaseRejects},
		{"CreateLeaseIdempotency", testCreateLeaseIdempotency},
		{"Leases", testLeases},
		{"CloseLease", testCloseLease},
		{"ExtendLease", testExtendLease},
		{"ExtendExhausted", testExtendExhausted},
		{"EndedLeases", testEndedLeases},
		{"Settle", testSettle},
		{"SettleRejects", testSettleRejects},
		{"SettleExhaustion", testSettleExhaustion},
		{"SettleSharedHold", testSettleSharedHold},
		{"SettleAfterClose", testSettleAfterClose},
		{"Usage", testUsage},
		{"SettlementRecords", testSettlementRecords},
		{"ConcurrentSettle", testConcurrentSettle},
		{"ConcurrentLeases", testConcurrentLeases},
		{"ConcurrentRetries", testConcurrentRetries},
		{"Webhooks", testWebhooks},
		{"Outbox", testOutbox},
		{"ConcurrentDeliveryClaims", testConcurrentDeliveryClaims},
		{"IdempotencyClaim", testIdempotencyClaim},
		{"IdempotencyComplete", testIdempotencyComplete},
		{"IdempotencyRelease", testIdempotencyRelease},
		{"IdempotencyPrune", testIdempotencyPrune},
		{"ConcurrentClaims", testConcurrentClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}
