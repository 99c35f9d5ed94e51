package crashtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/sparelink/sparelink/internal/pgtest"
)

// binary is the broker command this test binary built, once.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	pgtest.Main(m)
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
}

// brokerBinary builds cmd/sparelink-broker on first use.
func brokerBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "crashtest-")
		if binary.err != nil {
			return
		}
		binary.path, binary.err = Build(context.Background(), binary.dir)
	})
	if binary.err != nil {
		t.Fatalf("%v", fmt.Errorf("broker binary: %w", binary.err))
	}
	return binary.path
}
