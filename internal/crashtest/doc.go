// Package crashtest checks that the broker keeps its books through
// crashes. Its tests build cmd/sparelink-broker once, run it as a child
// process on a SQLite file or a throwaway PostgreSQL database, drive a
// mixed workload through the SDK (top-ups, leases, receipts, closes) and
// kill the broker with SIGKILL at random moments, then restart it and
// audit: every transaction balances, no buyer balance is negative, every
// acknowledged operation is there, nothing was applied twice, and a
// concurrent reader never saw the ledger out of balance.
//
// The package's exported part is the process harness (Build, Start, Proc),
// which other suites may reuse to run real broker processes; the workload
// and the audit live in its tests. `make test` runs a few dozen kills per
// engine; `make soak` (SPARELINK_SOAK=1) runs hundreds.
package crashtest
