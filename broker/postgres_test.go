package broker_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// apiSuite is every HTTP API test of this package. TestPostgres runs each
// of them a second time with the market on PostgreSQL, so the API behaves
// the same on both stores; TestPostgresRunsWholeSuite keeps the list
// complete.
var apiSuite = []struct {
	name string
	fn   func(*testing.T)
}{
	{"TestCreditIdempotency", TestCreditIdempotency},
	{"TestSignalExchange", TestSignalExchange},
	{"TestSignalRefusals", TestSignalRefusals},
	{"TestReachabilityReports", TestReachabilityReports},
	{"TestMatchPrefersPunchableExits", TestMatchPrefersPunchableExits},
	{"TestCreditValidation", TestCreditValidation},
	{"TestLedgerPaging", TestLedgerPaging},
	{"TestEnsureAdminOnce", TestEnsureAdminOnce},
	{"TestKeysStoreOnlyHashes", TestKeysStoreOnlyHashes},
	{"TestRevokedAndExpiredKeys", TestRevokedAndExpiredKeys},
	{"TestBadCredentials", TestBadCredentials},
	{"TestScopes", TestScopes},
	{"TestUsageThresholdEvents", TestUsageThresholdEvents},
	{"TestLowBalanceOnlyWhenCrossing", TestLowBalanceOnlyWhenCrossing},
	{"TestLeaseExitsChangedEvents", TestLeaseExitsChangedEvents},
	{"TestCloseAndExpiry", TestCloseAndExpiry},
	{"TestExtendLease", TestExtendLease},
	{"TestStrictBodies", TestStrictBodies},
	{"TestPublicEndpoints", TestPublicEndpoints},
	{"TestMetrics", TestMetrics},
	{"TestRequestLogs", TestRequestLogs},
	{"TestIdempotencyInProgress", TestIdempotencyInProgress},
	{"TestConcurrentCredits", TestConcurrentCredits},
	{"TestIdempotentReplay", TestIdempotentReplay},
	{"TestIdempotencyMismatchAndScope", TestIdempotencyMismatchAndScope},
	{"TestIdempotencyReleasedAfterFailure", TestIdempotencyReleasedAfterFailure},
	{"TestKeyNetworks", TestKeyNetworks},
	{"TestKeyNetworkRefusals", TestKeyNetworkRefusals},
	{"TestLeaseSpreadsAcrossOperators", TestLeaseSpreadsAcrossOperators},
	{"TestLeaseTokensVerify", TestLeaseTokensVerify},
	{"TestLeaseRefusals", TestLeaseRefusals},
	{"TestLeaseIdempotency", TestLeaseIdempotency},
	{"TestLeaseDefaults", TestLeaseDefaults},
	{"TestLeaseTerms", TestLeaseTerms},
	{"TestQuotePrices", TestQuotePrices},
	{"TestHeartbeatRevocations", TestHeartbeatRevocations},
	{"TestRegisterNode", TestRegisterNode},
	{"TestRegisterNodeValidation", TestRegisterNodeValidation},
	{"TestRegisterNodeProof", TestRegisterNodeProof},
	{"TestHeartbeatsAndOnline", TestHeartbeatsAndOnline},
	{"TestHeartbeatReport", TestHeartbeatReport},
	{"TestHeartbeatReportRejects", TestHeartbeatReportRejects},
	{"TestUnavailableNodesAreNotMatched", TestUnavailableNodesAreNotMatched},
	{"TestLinkProbeIsMeasured", TestLinkProbeIsMeasured},
	{"TestExitChecks", TestExitChecks},
	{"TestExitChecksStayOffPrivateAddresses", TestExitChecksStayOffPrivateAddresses},
	{"TestControlChannel", TestControlChannel},
	{"TestControlChannelAcrossReplicas", TestControlChannelAcrossReplicas},
	{"TestPairingCodes", TestPairingCodes},
	{"TestLeaseTopUp", TestLeaseTopUp},
	{"TestEnsureAdminSavesFirst", TestEnsureAdminSavesFirst},
	{"TestKeySpendLimits", TestKeySpendLimits},
	{"TestWireGuardLeaseNeedsKey", TestWireGuardLeaseNeedsKey},
	{"TestListingsPage", TestListingsPage},
	{"TestListingRefusals", TestListingRefusals},
	{"TestPublishedPrices", TestPublishedPrices},
	{"TestPricesWithoutTable", TestPricesWithoutTable},
	{"TestRateLimitPerKey", TestRateLimitPerKey},
	{"TestRequestIDs", TestRequestIDs},
	{"TestReceiptsSettle", TestReceiptsSettle},
	{"TestReceiptsCumulative", TestReceiptsCumulative},
	{"TestReceiptsMalformed", TestReceiptsMalformed},
	{"TestStatementsByDay", TestStatementsByDay},
	{"TestStatementsViews", TestStatementsViews},
	{"TestStatementsRefusals", TestStatementsRefusals},
	{"TestWebhookCRUD", TestWebhookCRUD},
	{"TestWebhookDeliveryRetriesAndSigns", TestWebhookDeliveryRetriesAndSigns},
	{"TestWebhookGivesUp", TestWebhookGivesUp},
	{"TestDeliverWebhooksLoop", TestDeliverWebhooksLoop},
	{"TestWebhookRefusals", TestWebhookRefusals},
	{"TestWebhookRefusesInsideAddresses", TestWebhookRefusesInsideAddresses},
	{"TestCountersignedSettlement", TestCountersignedSettlement},
	{"TestDisputeReports", TestDisputeReports},
}

// TestPostgres runs the API suite with each market's broker on a fresh
// PostgreSQL database (the harness's openStore picks it by test name).
func TestPostgres(t *testing.T) {
	for _, tt := range apiSuite {
		t.Run(tt.name, tt.fn)
	}
}

// notInSuite are this package's tests that TestPostgres does not repeat.
var notInSuite = map[string]string{
	"TestPostgres":               "runs the suite",
	"TestPostgresRunsWholeSuite": "checks the suite's list",
	"TestSTUNServer":             "UDP, no store",
	"TestParseSTUNRequest":       "a parser, no store",
}

// TestPostgresRunsWholeSuite fails when a test of this package is neither
// in apiSuite nor in notInSuite, so that a new API test cannot silently
// run on SQLite only.
func TestPostgresRunsWholeSuite(t *testing.T) {
	declared := externalTests(t)
	listed := make(map[string]bool, len(apiSuite))
	for _, tt := range apiSuite {
		listed[tt.name] = true
	}
	for _, name := range declared {
		if _, skip := notInSuite[name]; !listed[name] && !skip {
			t.Errorf("got %s outside apiSuite, want every API test listed there (or in notInSuite with a reason)", name)
		}
	}
	if got, want := len(apiSuite)+len(notInSuite), len(declared); got != want {
		t.Errorf("got %d tests in apiSuite and notInSuite, want the %d declared in package broker_test", got, want)
	}
}

// externalTests returns the Test functions declared in this directory's
// package broker_test files.
func externalTests(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatalf("list test files: %v", err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		if file.Name.Name != "broker_test" {
			continue
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") && fn.Name.Name != "TestMain" {
				names = append(names, fn.Name.Name)
			}
		}
	}
	return names
}
