// Command quote prices coverage without buying it: it asks the broker
// what a lease would cost now and how much supply matches.
//
//	SPARELINK_BROKER=http://127.0.0.1:8400 SPARELINK_KEY=sl_buyer_… go run ./examples/quote -country DE -exits 2
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

func main() {
	country := flag.String("country", "", "ISO 3166-1 country code (empty: anywhere)")
	exits := flag.Int("exits", 1, "how many exits")
	gib := flag.Int64("gib", 1, "GiB to buy")
	flag.Parse()
	c := client.New(envOr("SPARELINK_BROKER", "http://127.0.0.1:8400"), os.Getenv("SPARELINK_KEY"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := api.LeaseRequest{Coverage: api.Coverage{Country: *country}, Exits: *exits, MaxBytes: *gib << 30}
	if err := run(ctx, os.Stdout, c, req); err != nil {
		log.Fatal(err)
	}
}

// run prints what req would cost now.
func run(ctx context.Context, w io.Writer, c *client.Client, req api.LeaseRequest) error {
	q, err := c.Quote(ctx, req)
	if err != nil {
		return fmt.Errorf("quote: %w", err)
	}
	fmt.Fprintf(w, "matching exits  %d from %d operators\n", q.AvailableExits, q.Operators)
	fmt.Fprintf(w, "price           %.6f per GB (%d micro-units)\n", float64(q.PriceMicrosPerGB)/1e6, q.PriceMicrosPerGB)
	fmt.Fprintf(w, "hold            %.6f for %d bytes\n", float64(q.HoldMicros)/1e6, q.MaxBytes)
	fmt.Fprintf(w, "broker fee      %.2f%%\n", float64(q.FeeBPS)/100)
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
