package broker

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 document of the REST API: the contract the
// handlers, the SDK and the tests (through broker/apitest) are held to.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns a copy of the API's OpenAPI 3.1 document (JSON), the
// same bytes GET /v1/openapi.json serves.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func (b *Broker) openAPIDoc(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPI) // a failed write means the caller left
	return nil
}
