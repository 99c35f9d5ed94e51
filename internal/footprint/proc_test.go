package footprint

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/sparelink/sparelink/agent/yield/yieldlab"
)

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr bool
	}{
		{"typical", "Name:\tagent\nVmPeak:\t  9000 kB\nVmRSS:\t    7321 kB\nThreads:\t5\n", 7321, false},
		{"kernel thread has none", "Name:\tkworker\nThreads:\t1\n", 0, true},
		{"other unit", "VmRSS:\t7 MB\n", 0, true},
		{"negative", "VmRSS:\t-7 kB\n", 0, true},
		{"empty", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmRSS([]byte(tt.status))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errProcFormat) {
				t.Errorf("got error %v, want errProcFormat", err)
			}
		})
	}
}

func TestParseCPUTicks(t *testing.T) {
	tail := " S 1 1 1 0 -1 4194560 100 0 0 0 %s 0 0 20 0 5 0 12345 1000000 200 18446744073709551615\n"
	tests := []struct {
		name    string
		stat    string
		want    int64
		wantErr bool
	}{
		{"plain name", "4242 (sparelink-agent)" + sprintf(tail, "25 17"), 42, false},
		{"name with spaces and parens", "4242 (a (b) c)" + sprintf(tail, "3 4"), 7, false},
		{"no name", "4242 sparelink-agent S 1", 0, true},
		{"short", "4242 (x) S 1 1 1", 0, true},
		{"not a number", "4242 (x)" + sprintf(tail, "lots 1"), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUTicks([]byte(tt.stat))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestReadUsageOfThisProcess(t *testing.T) {
	u, err := readUsage(os.Getpid())
	if err != nil {
		t.Fatalf("readUsage: %v", err)
	}
	if u.rssKiB <= 0 || u.cpuSecs < 0 {
		t.Errorf("got %+v, want a resident size and a CPU time", u)
	}
}

func TestYieldRows(t *testing.T) {
	tests := []struct {
		name      string
		r         yieldlab.Result
		wantNames []string
		wantShare float64
	}{
		{"dropped and recovered", yieldlab.Result{
			HouseholdDemandBps: 2_500_000, HouseholdBps: 2_450_000,
			Reaction: 700 * time.Millisecond, Dropped: true, Recovery: 4500 * time.Millisecond, Recovered: true,
		}, []string{"yield_household_share", "yield_reaction", "yield_recovery"}, 98},
		{"never dropped", yieldlab.Result{HouseholdDemandBps: 2_500_000, HouseholdBps: 1_000_000},
			[]string{"yield_household_share"}, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := yieldRows(tt.r)
			var names []string
			for _, r := range rows {
				names = append(names, r.Name)
			}
			if len(names) != len(tt.wantNames) || rows[0].Value != tt.wantShare {
				t.Fatalf("got rows %+v, want %v with share %.0f", rows, tt.wantNames, tt.wantShare)
			}
			for i := range names {
				if names[i] != tt.wantNames[i] {
					t.Errorf("row %d: got %s, want %s", i, names[i], tt.wantNames[i])
				}
			}
		})
	}
}

// FuzzParseProc feeds both /proc parsers the same bytes: a process picks
// its own command name, which lands inside stat.
func FuzzParseProc(f *testing.F) {
	f.Add([]byte("4242 (a (b) c) S 1 1 1 0 -1 4194560 100 0 0 0 3 4 0 0 20 0 5 0\n"))
	f.Add([]byte("VmRSS:\t    7321 kB\n"))
	f.Add([]byte(")))"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := parseCPUTicks(b); err == nil && n < 0 {
			t.Fatalf("parseCPUTicks(%q) = %d, want zero or more", b, n)
		}
		if n, err := parseVmRSS(b); err == nil && n < 0 {
			t.Fatalf("parseVmRSS(%q) = %d, want zero or more", b, n)
		}
	})
}
