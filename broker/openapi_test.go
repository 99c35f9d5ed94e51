package broker

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/store/sqlite"
)

// TestRoutesMatchDocument checks that the broker serves exactly the
// operations its OpenAPI document lists: an endpoint added to one must be
// added to the other.
func TestRoutesMatchDocument(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("decode openapi.json: %v", err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" && method != "summary" && method != "description" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	st, err := sqlite.Open(t.Context(), sqlite.Config{Path: t.TempDir() + "/broker.db"}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := New(Config{}, st, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	// Outside the document: the catch-all 404 and the web console's files.
	outside := []string{"/", "GET /console/"}
	served := slices.DeleteFunc(slices.Clone(b.patterns), func(p string) bool { return slices.Contains(outside, p) })
	slices.Sort(served)
	slices.Sort(documented)
	if !slices.Equal(served, documented) {
		t.Errorf("got served routes\n%s\nwant the documented operations\n%s",
			strings.Join(served, "\n"), strings.Join(documented, "\n"))
	}
}
