package api

// PriceTable is the body of GET /v1/prices: the broker's fee and the
// minimum prices it publishes. A lease pays at least the highest floor
// among its exits and at least the minimum of the most specific row for
// each exit.
type PriceTable struct {
	FeeBPS int64      `json:"fee_bps"`
	Rows   []PriceRow `json:"rows"`
}

// PriceRow is the minimum price per GB (10^9 bytes) of exits in Country
// on ConnectionType; an empty field matches any. For each exit the most
// specific row applies: country and type, country, type, then neither.
type PriceRow struct {
	Country        string `json:"country,omitempty"`
	ConnectionType string `json:"connection_type,omitempty"`
	MinMicrosPerGB int64  `json:"min_micros_per_gb"`
}
