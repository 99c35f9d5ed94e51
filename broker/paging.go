package broker

import (
	"net/url"
	"strconv"

	"github.com/sparelink/sparelink/broker/api"
)

// maxCursorLen bounds starting_after; every ID the broker makes is
// shorter.
const maxCursorLen = 64

// page is what a listing request asks for: up to limit items whose ID
// sorts after after ("" for the first page).
type page struct {
	limit int
	after string
}

// readPage parses the limit and starting_after query parameters shared by
// every listing.
func readPage(q url.Values) (page, error) {
	p := page{limit: api.DefaultPageLimit, after: q.Get("starting_after")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > api.MaxPageLimit {
			return p, badRequest("limit must be an integer from 1 to %d", api.MaxPageLimit)
		}
		p.limit = n
	}
	if p.after != "" && !validToken(p.after, maxCursorLen) {
		return p, badRequest("starting_after must be an ID from a previous page")
	}
	return p, nil
}

// afterInt is p.after as a positive integer ID, for listings whose IDs are
// numbers (the ledger); the first page is 0.
func (p page) afterInt() (int64, error) {
	if p.after == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(p.after, 10, 64)
	if err != nil || n < 1 {
		return 0, badRequest("starting_after must be a ledger entry ID")
	}
	return n, nil
}

// fetch is how many items to ask the store for: one more than the page,
// to learn whether there are more.
func (p page) fetch() int { return p.limit + 1 }

// trim cuts items, fetched with p.fetch, to the page and reports whether
// more follow.
func trim[T any](items []T, p page) ([]T, bool) {
	if len(items) > p.limit {
		return items[:p.limit], true
	}
	return items, false
}
