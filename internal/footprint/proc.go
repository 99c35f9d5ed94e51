package footprint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture the agent ships for.
const clockTicks = 100

// errProcFormat is a /proc file that does not read as expected.
var errProcFormat = errors.New("footprint: unexpected /proc format")

// usage is a process's resident memory and CPU time so far.
type usage struct {
	rssKiB  int64
	cpuSecs float64
}

// readUsage reads /proc/<pid>/status and /proc/<pid>/stat.
func readUsage(pid int) (usage, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return usage{}, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}, err
	}
	rss, err := parseVmRSS(status)
	if err != nil {
		return usage{}, err
	}
	ticks, err := parseCPUTicks(stat)
	if err != nil {
		return usage{}, err
	}
	return usage{rssKiB: rss, cpuSecs: float64(ticks) / clockTicks}, nil
}

// parseVmRSS finds "VmRSS:  1234 kB" in /proc/<pid>/status.
func parseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kib, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kib < 0 {
			break
		}
		return kib, nil
	}
	return 0, fmt.Errorf("%w: no VmRSS line in status", errProcFormat)
}

// parseCPUTicks adds utime and stime, fields 14 and 15 of
// /proc/<pid>/stat. The command name (field 2) is in parentheses and may
// hold spaces and parentheses itself, so fields are counted from the last
// closing one.
func parseCPUTicks(stat []byte) (int64, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("%w: no command name in stat", errProcFormat)
	}
	f := strings.Fields(string(stat[end+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: %d fields after the command name", errProcFormat, len(f))
	}
	var total int64
	for _, s := range f[11:13] { // utime, stime: fields 14 and 15
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%w: cpu time %q", errProcFormat, s)
		}
		total += v
	}
	return total, nil
}
