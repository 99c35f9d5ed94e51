package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseNodeCounts reads a comma-separated list of market sizes, such as
// the "10000,100000" of sparelink-bench's --broker-nodes. An empty or
// blank list gives no sizes: no broker measurements. Every size must be
// a positive integer; the error wraps ErrBadNodes otherwise.
func ParseNodeCounts(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var counts []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("node count %q: %w", f, ErrBadNodes)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// nodesLabel names a market size: 10k for 10000, 1500 for 1500.
func nodesLabel(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
