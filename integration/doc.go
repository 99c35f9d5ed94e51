// Package integration tests SpareLink end to end, the way a person following
// README.md would use it: it builds the real binaries once per test run,
// starts them as separate processes on loopback, talks to the broker's REST
// API over HTTP and sends traffic with the real curl through the gateway.
//
// It holds tests only. It is not a library for other packages, and it does
// not reach into any binary's internals: everything it checks is visible on
// the command line, on the wire or in the data directories.
package integration
