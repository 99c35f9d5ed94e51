package footprint

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/yield/yieldlab"
)

// measureYield runs the namespace scenario when it can.
func measureYield(ctx context.Context, cfg Config, log *zap.Logger) ([]Row, error) {
	r, err := yieldlab.Run(ctx, cfg.Yield, log.Named("yieldlab"))
	if errors.Is(err, yieldlab.ErrUnavailable) {
		log.Info("yield figures skipped", zap.String("reason", err.Error()))
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return yieldRows(r), nil
}

// yieldRows turns a scenario's result into rows; a drop or recovery that
// never came is left out rather than reported as zero.
func yieldRows(r yieldlab.Result) []Row {
	share := 0.0
	if r.HouseholdDemandBps > 0 {
		share = 100 * float64(r.HouseholdBps) / float64(r.HouseholdDemandBps)
	}
	rows := []Row{{Name: "yield_household_share", Value: round(share), Unit: "% of demand"}}
	if r.Dropped {
		rows = append(rows, Row{Name: "yield_reaction", Value: round(r.Reaction.Seconds()), Unit: "s"})
	}
	if r.Recovered {
		rows = append(rows, Row{Name: "yield_recovery", Value: round(r.Recovery.Seconds()), Unit: "s"})
	}
	return rows
}
