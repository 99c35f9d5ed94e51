// Command quote prices coverage without buying it: it asks the broker
// what a lease would cost now and how much supply matches.
//
//	SPARELINK_BROKER=http://127.0.0.1:8400 SPARELINK_KEY=sl_buyer_… go run ./examples/quote -country DE -exits 2
package main

import (
	"context"
	"flag"
	"fmt"
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
	q, err := c.Quote(ctx, api.LeaseRequest{
		Coverage: api.Coverage{Country: *country},
		Exits:    *exits,
		MaxBytes: *gib << 30,
	})
	if err != nil {
		log.Fatalf("quote: %v", err)
	}
	fmt.Printf("matching exits  %d from %d operators\n", q.AvailableExits, q.Operators)
	fmt.Printf("price           %.6f per GB (%d micro-units)\n", float64(q.PriceMicrosPerGB)/1e6, q.PriceMicrosPerGB)
	fmt.Printf("hold            %.6f for %d bytes\n", float64(q.HoldMicros)/1e6, q.MaxBytes)
	fmt.Printf("broker fee      %.2f%%\n", float64(q.FeeBPS)/100)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
