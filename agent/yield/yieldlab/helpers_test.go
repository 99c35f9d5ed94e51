package yieldlab

import "fmt"

func mb(bps int64) string { return fmt.Sprintf("%.2f MB/s", float64(bps)/1e6) }
