package client

import (
	"context"
	"iter"
	"strconv"

	"github.com/sparelink/sparelink/broker/api"
)

// PageFunc fetches one page of a listing: its items and whether more
// follow.
type PageFunc[T any] func(ctx context.Context, p Page) (items []T, hasMore bool, err error)

// Pages iterates over the pages of a listing from first on, asking for
// the next page after the last item's ID (id tells it) while the broker
// says more follow. An error ends the iteration after being yielded.
func Pages[T any](ctx context.Context, first Page, fetch PageFunc[T], id func(T) string) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		p := first
		for {
			items, more, err := fetch(ctx, p)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(items, nil) || !more || len(items) == 0 {
				return
			}
			p.StartingAfter = id(items[len(items)-1])
		}
	}
}

// Items iterates over the items of every page Pages yields.
func Items[T any](pages iter.Seq2[[]T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for items, err := range pages {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}

// AllLeases iterates over every lease of the caller, limit to a page (0:
// the broker's default).
func (c *Client) AllLeases(ctx context.Context, limit int) iter.Seq2[api.Lease, error] {
	fetch := func(ctx context.Context, p Page) ([]api.Lease, bool, error) {
		l, err := c.Leases(ctx, p)
		if err != nil {
			return nil, false, err
		}
		return l.Leases, l.HasMore, nil
	}
	return Items(Pages(ctx, Page{Limit: limit}, fetch, func(l api.Lease) string { return l.ID }))
}

// AllKeys iterates over every key of the caller, or for admins of
// accountID when it is not empty.
func (c *Client) AllKeys(ctx context.Context, accountID string, limit int) iter.Seq2[api.Key, error] {
	fetch := func(ctx context.Context, p Page) ([]api.Key, bool, error) {
		l, err := c.Keys(ctx, accountID, p)
		if err != nil {
			return nil, false, err
		}
		return l.Keys, l.HasMore, nil
	}
	return Items(Pages(ctx, Page{Limit: limit}, fetch, func(k api.Key) string { return k.ID }))
}

// AllLedger iterates over every ledger entry of the caller's account, or
// for admins of accountID when it is not empty.
func (c *Client) AllLedger(ctx context.Context, accountID string, limit int) iter.Seq2[api.LedgerEntry, error] {
	fetch := func(ctx context.Context, p Page) ([]api.LedgerEntry, bool, error) {
		l, err := c.Ledger(ctx, accountID, p)
		if err != nil {
			return nil, false, err
		}
		return l.Entries, l.HasMore, nil
	}
	id := func(e api.LedgerEntry) string { return strconv.FormatInt(e.ID, 10) }
	return Items(Pages(ctx, Page{Limit: limit}, fetch, id))
}

// AllWebhooks iterates over every webhook of the caller.
func (c *Client) AllWebhooks(ctx context.Context, limit int) iter.Seq2[api.Webhook, error] {
	fetch := func(ctx context.Context, p Page) ([]api.Webhook, bool, error) {
		l, err := c.Webhooks(ctx, p)
		if err != nil {
			return nil, false, err
		}
		return l.Webhooks, l.HasMore, nil
	}
	return Items(Pages(ctx, Page{Limit: limit}, fetch, func(w api.Webhook) string { return w.ID }))
}

// AllNodes iterates over every node q matches, from q.Page on.
func (c *Client) AllNodes(ctx context.Context, q NodeQuery) iter.Seq2[api.Node, error] {
	fetch := func(ctx context.Context, p Page) ([]api.Node, bool, error) {
		q.Page = p
		l, err := c.Nodes(ctx, q)
		if err != nil {
			return nil, false, err
		}
		return l.Nodes, l.HasMore, nil
	}
	return Items(Pages(ctx, q.Page, fetch, func(n api.Node) string { return n.ID }))
}

// AllStatements iterates over every statement q selects, from q.Page on.
func (c *Client) AllStatements(ctx context.Context, q StatementQuery) iter.Seq2[api.Statement, error] {
	fetch := func(ctx context.Context, p Page) ([]api.Statement, bool, error) {
		q.Page = p
		l, err := c.Statements(ctx, q)
		if err != nil {
			return nil, false, err
		}
		return l.Statements, l.HasMore, nil
	}
	return Items(Pages(ctx, q.Page, fetch, func(s api.Statement) string { return s.ID }))
}
