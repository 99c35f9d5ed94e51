package apitest

import "github.com/getkin/kin-openapi/openapi3filter"

// The receipt export (GET /v1/leases/{id}/receipts) is JSON Lines, which
// the document describes as a string body; the validator reads it whole.
func init() {
	openapi3filter.RegisterBodyDecoder("application/jsonl", openapi3filter.FileBodyDecoder)
}
