package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// TargetExitRatio is the throughput the exit must keep, as a share of a
// raw quic-go stream on the same machine.
const TargetExitRatio = 0.85

// PrintTable writes results for people, then whether the exit meets
// TargetExitRatio.
func PrintTable(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "measurement\tvalue\tunit\tbaseline\tratio")
	for _, r := range results {
		if strings.HasPrefix(r.Unit, skippedPrefix) {
			fmt.Fprintf(tw, "%s\t-\t%s\t-\t-\n", r.Name, r.Unit)
			continue
		}
		ratio, base := "-", "-"
		if r.Baseline != "" {
			base = r.Baseline
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		value := fmt.Sprintf("%.1f", r.Value)
		if r.Unit == "ratio" {
			value = fmt.Sprintf("%.2f", r.Value)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, value, r.Unit, base, ratio)
	}
	tw.Flush()
	if line, ok := targetLine(results); ok {
		fmt.Fprintln(w, line)
	}
}

// targetLine says whether exit_connect reached TargetExitRatio of
// quic_raw_stream; ok is false when the results lack the figure.
func targetLine(results []Result) (string, bool) {
	exit := find(results, "exit_connect")
	if exit.Name == "" || exit.Baseline != "quic_raw_stream" {
		return "", false
	}
	verdict := "met"
	if exit.Ratio < TargetExitRatio {
		verdict = "NOT met"
	}
	return fmt.Sprintf("target: exit_connect >= %.0f%% of quic_raw_stream: %s (%.0f%%)",
		TargetExitRatio*100, verdict, exit.Ratio*100), true
}

// WriteJSON writes results as a JSON array to path.
func WriteJSON(path string, results []Result) error {
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
