package broker

import (
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Bounds on a price table.
const (
	priceTableVersion = 1
	maxPriceRows      = 10_000
	maxPriceFile      = 1 << 20
)

// PriceTable is the published price list and fee schedule, loaded from a
// strict JSON file (LoadPriceTable):
//
//	{"version": 1, "fee_bps": 1000, "rows": [
//	  {"min_micros_per_gb": 500000},
//	  {"country": "DE", "min_micros_per_gb": 800000},
//	  {"country": "DE", "connection_type": "mobile", "min_micros_per_gb": 2000000}]}
//
// A lease pays max(the highest floor among its exits, the highest
// minimum the table sets for any of them). The zero value sets no
// minimum and leaves the fee to Config.FeeBPS.
type PriceTable struct {
	Version int `json:"version"` // 1
	// FeeBPS is the broker's fee in basis points of every charge; when
	// set (1 to 10000) it replaces Config.FeeBPS.
	FeeBPS int64      `json:"fee_bps,omitempty"`
	Rows   []PriceRow `json:"rows"`
}

// PriceRow sets the minimum price per GB (10^9 bytes) of exits in a
// country on a connection type. An empty Country or ConnectionType
// matches any; for each exit the most specific row applies: country and
// type, then country alone, then type alone, then the row with neither.
type PriceRow struct {
	Country        string `json:"country,omitempty"`
	ConnectionType string `json:"connection_type,omitempty"`
	MinMicrosPerGB int64  `json:"min_micros_per_gb"`
}

// LoadPriceTable reads and checks the price table at path.
func LoadPriceTable(path string) (PriceTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return PriceTable{}, fmt.Errorf("price table: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPriceFile+1))
	if err != nil {
		return PriceTable{}, fmt.Errorf("price table %s: %w", path, err)
	}
	if len(data) > maxPriceFile {
		return PriceTable{}, fmt.Errorf("price table %s: larger than %d bytes", path, maxPriceFile)
	}
	t, err := ParsePriceTable(data)
	if err != nil {
		return PriceTable{}, fmt.Errorf("price table %s: %w", path, err)
	}
	return t, nil
}

// ParsePriceTable decodes a price table strictly (unknown fields are an
// error) and checks it.
func ParsePriceTable(data []byte) (PriceTable, error) {
	var t PriceTable
	if err := decodeStrict(data, &t); err != nil {
		return PriceTable{}, err
	}
	return t, t.check()
}

// check validates a table decoded from a file or built in code.
func (t PriceTable) check() error {
	if t.Version != priceTableVersion {
		return fmt.Errorf("version %d: want %d", t.Version, priceTableVersion)
	}
	if t.FeeBPS < 0 || t.FeeBPS > maxBPS {
		return fmt.Errorf("fee_bps %d out of range 0..%d", t.FeeBPS, maxBPS)
	}
	if len(t.Rows) > maxPriceRows {
		return fmt.Errorf("%d rows; at most %d", len(t.Rows), maxPriceRows)
	}
	seen := make(map[PriceRow]bool, len(t.Rows))
	for i, r := range t.Rows {
		switch {
		case r.Country != "" && !validCountry(r.Country):
			return fmt.Errorf("row %d: country %q is not ISO 3166-1 alpha-2 in upper case", i, r.Country)
		case r.ConnectionType != "" && !validConnType(r.ConnectionType):
			return fmt.Errorf("row %d: unknown connection_type %q", i, r.ConnectionType)
		case r.MinMicrosPerGB < 1 || r.MinMicrosPerGB > maxPriceMicros:
			return fmt.Errorf("row %d: min_micros_per_gb must be from 1 to %d", i, int64(maxPriceMicros))
		case seen[PriceRow{Country: r.Country, ConnectionType: r.ConnectionType}]:
			return fmt.Errorf("row %d: a second row for country %q, connection_type %q", i, r.Country, r.ConnectionType)
		}
		seen[PriceRow{Country: r.Country, ConnectionType: r.ConnectionType}] = true
	}
	return nil
}

// Minimum is the table's minimum price per GB for an exit in country on
// connType: the most specific row's, or 0 when no row applies.
func (t PriceTable) Minimum(country, connType string) int64 {
	best, rank := int64(0), -1
	for _, r := range t.Rows {
		if (r.Country != "" && r.Country != country) || (r.ConnectionType != "" && r.ConnectionType != connType) {
			continue
		}
		// Country outranks type; both outrank either.
		k := 0
		if r.Country != "" {
			k += 2
		}
		if r.ConnectionType != "" {
			k++
		}
		if k > rank {
			best, rank = r.MinMicrosPerGB, k
		}
	}
	return best
}

// leasePrice is what a lease over exits pays per GB: at least every
// exit's floor and the table's minimum for every exit.
func (b *Broker) leasePrice(exits []store.Node) int64 {
	var p int64
	for _, n := range exits {
		p = max(p, n.PriceMicrosPerGB, b.cfg.Prices.Minimum(n.Region.Country, n.ConnType))
	}
	return p
}

// prices serves the published table.
func (b *Broker) prices(w http.ResponseWriter, _ *http.Request) error {
	out := api.PriceTable{FeeBPS: b.cfg.FeeBPS, Rows: make([]api.PriceRow, 0, len(b.cfg.Prices.Rows))}
	for _, r := range b.cfg.Prices.Rows {
		out.Rows = append(out.Rows, api.PriceRow(r))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
