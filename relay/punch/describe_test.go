package punch

import (
	"errors"
	"strings"
	"testing"
)

const (
	goodUfrag = "abcd"
	goodPwd   = "0123456789abcdefghijkl"
	hostCand  = "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"
	srflxCand = "candidate:2 1 udp 1694498815 203.0.113.7 51000 typ srflx raddr 192.168.1.2 rport 40000"
)

func TestParseDescription(t *testing.T) {
	many := make([]string, MaxCandidates+1)
	for i := range many {
		many[i] = hostCand
	}
	cases := []struct {
		name    string
		d       Description
		want    int // candidates
		wantErr bool
	}{
		{"host and server reflexive", Description{goodUfrag, goodPwd, []string{hostCand, srflxCand}}, 2, false},
		{"no candidates yet", Description{goodUfrag, goodPwd, nil}, 0, false},
		{"short ufrag", Description{"abc", goodPwd, nil}, 0, true},
		{"short pwd", Description{goodUfrag, "short", nil}, 0, true},
		{"space in pwd", Description{goodUfrag, "0123456789 abcdefghijkl", nil}, 0, true},
		{"non-ASCII ufrag", Description{"abcdé", goodPwd, nil}, 0, true},
		{"too many candidates", Description{goodUfrag, goodPwd, many}, 0, true},
		{"tcp candidate", Description{goodUfrag, goodPwd, []string{"candidate:1 1 tcp 2130706431 127.0.0.1 9 typ host tcptype active"}}, 0, true},
		{"garbage candidate", Description{goodUfrag, goodPwd, []string{"candidate:x"}}, 0, true},
		{"oversized candidate", Description{goodUfrag, goodPwd, []string{hostCand + strings.Repeat(" x", 400)}}, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDescription(tc.d)
			if tc.wantErr {
				if !errors.Is(err, ErrBadDescription) {
					t.Fatalf("got err %v, want ErrBadDescription", err)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("got %d candidates, err %v; want %d", len(got), err, tc.want)
			}
		})
	}
}

func FuzzParseDescription(f *testing.F) {
	f.Add(goodUfrag, goodPwd, hostCand)
	f.Add(goodUfrag, goodPwd, srflxCand)
	f.Add("", "", "candidate:")
	f.Fuzz(func(t *testing.T, ufrag, pwd, cand string) {
		cands, err := ParseDescription(Description{Ufrag: ufrag, Pwd: pwd, Candidates: []string{cand}})
		if err != nil {
			if !errors.Is(err, ErrBadDescription) {
				t.Fatalf("error %v does not wrap ErrBadDescription", err)
			}
			return
		}
		if len(cands) != 1 || !cands[0].NetworkType().IsUDP() {
			t.Fatalf("accepted %q as %v", cand, cands)
		}
	})
}
