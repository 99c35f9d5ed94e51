package billing

import (
	"errors"
	"testing"

	"github.com/sparelink/sparelink/metering/meter"
)

func TestToleranceAllowed(t *testing.T) {
	tests := []struct {
		name  string
		tol   Tolerance
		buyer int64
		want  int64
	}{
		{"defaults at zero", Tolerance{}, 0, DefaultToleranceBytes},
		{"defaults at 1 MB", Tolerance{}, 1_000_000, 1_000_000 + DefaultToleranceBytes + 10_000},
		{"percent rounds down", Tolerance{}, 99, 99 + DefaultToleranceBytes},
		{"custom", Tolerance{Bytes: 100, PerMille: 50}, 1000, 1150},
		{"no slack", Tolerance{Bytes: -1, PerMille: -1}, 5000, 5000},
		{"bytes only", Tolerance{Bytes: 10, PerMille: -1}, 5000, 5010},
		{"saturates", Tolerance{}, maxI - 10, maxI},
		{"huge per mille", Tolerance{PerMille: maxI}, maxI, maxI},
		{"negative buyer treated as zero", Tolerance{Bytes: 5, PerMille: -1}, -100, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tol.Allowed(tt.buyer); got != tt.want {
				t.Fatalf("Allowed(%d) = %d, want %d", tt.buyer, got, tt.want)
			}
		})
	}
}

func TestBillable(t *testing.T) {
	const mb = 1_000_000
	tests := []struct {
		name        string
		exit, buyer meter.Totals
		tol         Tolerance
		want        meter.Totals
		wantErr     error
	}{
		{"agree", meter.Totals{Up: mb, Down: 10 * mb}, meter.Totals{Up: mb, Down: 10 * mb}, Tolerance{}, meter.Totals{Up: mb, Down: 10 * mb}, nil},
		{"exit slightly ahead", meter.Totals{Up: mb + 70_000, Down: 10*mb + 60_000}, meter.Totals{Up: mb, Down: 10 * mb}, Tolerance{}, meter.Totals{Up: mb + 70_000, Down: 10*mb + 60_000}, nil},
		{"exit at the limit", meter.Totals{Up: mb + DefaultToleranceBytes + 10_000}, meter.Totals{Up: mb}, Tolerance{}, meter.Totals{Up: mb + DefaultToleranceBytes + 10_000}, nil},
		{"exit one byte over up", meter.Totals{Up: mb + DefaultToleranceBytes + 10_001}, meter.Totals{Up: mb}, Tolerance{}, meter.Totals{}, ErrOverTolerance},
		{"exit over down only", meter.Totals{Up: 5, Down: 2 * mb}, meter.Totals{Up: 5, Down: mb}, Tolerance{}, meter.Totals{}, ErrOverTolerance},
		{"buyer ahead bills exit", meter.Totals{Up: mb, Down: mb}, meter.Totals{Up: 3 * mb, Down: 9 * mb}, Tolerance{}, meter.Totals{Up: mb, Down: mb}, nil},
		{"buyer saw nothing", meter.Totals{Up: 1000, Down: 20_000}, meter.Totals{}, Tolerance{}, meter.Totals{Up: 1000, Down: 20_000}, nil},
		{"strict tolerance", meter.Totals{Up: 101}, meter.Totals{Up: 100}, Tolerance{Bytes: -1, PerMille: -1}, meter.Totals{}, ErrOverTolerance},
		{"huge agree", meter.Totals{Up: maxI, Down: maxI}, meter.Totals{Up: maxI - 1, Down: maxI}, Tolerance{}, meter.Totals{Up: maxI, Down: maxI}, nil},
		{"negative exit", meter.Totals{Up: -1}, meter.Totals{}, Tolerance{}, meter.Totals{}, ErrNegativeCount},
		{"negative buyer", meter.Totals{}, meter.Totals{Down: -1}, Tolerance{}, meter.Totals{}, ErrNegativeCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Billable(tt.exit, tt.buyer, tt.tol)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Billable() error = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("Billable() = %+v, want %+v", got, tt.want)
			}
			if err == nil && (got.Up > tt.exit.Up || got.Down > tt.exit.Down) {
				t.Fatalf("Billable() = %+v, more than the exit counted %+v", got, tt.exit)
			}
		})
	}
}
