package postgres_test

import (
	"context"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/postgres"
	"github.com/sparelink/sparelink/broker/store/storetest"
	"github.com/sparelink/sparelink/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testLogger logs through tb; benchmarks only warnings, to keep their
// output readable.
func testLogger(tb testing.TB) *zap.Logger {
	if _, ok := tb.(*testing.B); ok {
		return zaptest.NewLogger(tb, zaptest.Level(zapcore.WarnLevel))
	}
	return zaptest.NewLogger(tb)
}

// openURL opens a store on url and closes it when the test ends.
func openURL(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), postgres.Config{URL: url}, testLogger(tb))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// openFresh opens a store on a new, empty database.
func openFresh(tb testing.TB) *postgres.Store {
	tb.Helper()
	return openURL(tb, pgtest.URL(tb))
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
}
