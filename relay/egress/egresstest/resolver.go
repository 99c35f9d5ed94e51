// Package egresstest holds test doubles for code that uses relay/egress:
// a Resolver that answers from a table, so tests never touch real DNS and
// can script answers that change between lookups.
package egresstest

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// Resolver answers lookups from a table. Each name has a sequence of
// answers; every lookup consumes the next one and the last repeats, which
// scripts DNS rebinding. Unknown names fail with a not-found *net.DNSError.
// It is safe for concurrent use.
type Resolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr
	errs    map[string]error
	lookups []string
}

// NewResolver returns an empty Resolver.
func NewResolver() *Resolver {
	return &Resolver{answers: map[string][][]netip.Addr{}, errs: map[string]error{}}
}

// Answer appends one answer for name. Addresses that do not parse panic:
// they are test inputs, not network data.
func (r *Resolver) Answer(name string, addrs ...string) *Resolver {
	answer := make([]netip.Addr, len(addrs))
	for i, s := range addrs {
		answer[i] = netip.MustParseAddr(s)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := normalise(name)
	r.answers[key] = append(r.answers[key], answer)
	return r
}

// Fail makes every lookup of name return err.
func (r *Resolver) Fail(name string, err error) *Resolver {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs[normalise(name)] = err
	return r
}

// Lookups returns the names asked for so far, exactly as passed.
func (r *Resolver) Lookups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lookups...)
}

// LookupNetIP implements egress.Resolver. network "ip4" or "ip6" keeps
// only that family, as net.Resolver does.
func (r *Resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, host)
	key := normalise(host)
	if err, ok := r.errs[key]; ok {
		return nil, err
	}
	seq, ok := r.answers[key]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	answer := seq[0]
	if len(seq) > 1 {
		r.answers[key] = seq[1:]
	}
	return filterFamily(network, answer), nil
}

func filterFamily(network string, addrs []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		switch {
		case network == "ip4" && !a.Unmap().Is4(), network == "ip6" && !a.Is6():
			continue
		}
		out = append(out, a)
	}
	return out
}

func normalise(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}
