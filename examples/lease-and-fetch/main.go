// Command lease-and-fetch buys a lease, fetches a URL through one of its
// exits with a plain net/http client, prints what the exits settled, and
// closes the lease to release the rest of its hold.
//
//	SPARELINK_BROKER=http://127.0.0.1:8400 SPARELINK_KEY=sl_buyer_… go run ./examples/lease-and-fetch https://example.com/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
)

func main() {
	country := flag.String("country", "", "ISO 3166-1 country code (empty: anywhere)")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: lease-and-fetch [-country CC] URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client.New(envOr("SPARELINK_BROKER", "http://127.0.0.1:8400"), os.Getenv("SPARELINK_KEY"))
	if err := run(ctx, c, *country, flag.Arg(0)); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, c *client.Client, country, url string) error {
	// An empty idempotency key lets the SDK make one: retries after a
	// lost answer never buy twice.
	lease, err := c.CreateLease(ctx, "", api.LeaseRequest{
		Coverage: api.Coverage{Country: country},
		MaxBytes: 64 << 20,
	})
	if errors.Is(err, client.ErrNoSupply) {
		return fmt.Errorf("no exits match: try another country")
	}
	if err != nil {
		return fmt.Errorf("buy lease: %w", err)
	}
	defer func() {
		if _, err := c.CloseLease(context.Background(), lease.ID); err != nil {
			log.Printf("close lease %s: %v", lease.ID, err)
		}
	}()
	exits, err := exitdial.FromLease(lease)
	if err != nil {
		return err
	}
	pool := exitdial.NewPool(exits, nil)
	defer pool.Close()
	// Every connection of this client goes through an exit of the lease.
	hc := &http.Client{Transport: &http.Transport{DialContext: pool.DialContext}}
	if err := fetch(ctx, hc, url); err != nil {
		return err
	}
	u, err := c.Usage(ctx, lease.ID)
	if err != nil {
		return fmt.Errorf("usage: %w", err)
	}
	fmt.Printf("lease %s: %d exits settled so far, charged %d micro-units\n", lease.ID, len(u.Exits), u.ChargedMicros)
	return nil
}

func fetch(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("fetch through the exit: %w", err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	fmt.Printf("%s: %s, %d bytes through an exit\n", url, resp.Status, n)
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
