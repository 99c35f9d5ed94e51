package quicexit

import (
	"io"
	"testing"
)

// TestRetryUnderLoad checks that connection attempts beyond the handshake
// rate are asked for a Retry, and that a real client answers it and gets
// its tunnel all the same. The clock stands still, so the attempts of a
// case all fall within the same second.
func TestRetryUnderLoad(t *testing.T) {
	tests := []struct {
		name          string
		retryAbove    float64
		dials         int
		wantValidated int64
	}{
		{"below the rate", 5, 3, 0},
		{"above the rate", 2, 4, 2},
		{"always", -1, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvWith(t, newOrigin(t, true), Options{RetryAbove: tt.retryAbove}, newFakeClock(true))
			tok := e.token(t, nil)
			for i := range tt.dials {
				c := dialExit(t, e.addr, e.key.Public())
				str := c.connect(t, e.origin.addr(), tok)
				if _, err := str.Write([]byte("hi")); err != nil {
					t.Fatalf("dial %d: write: %v", i, err)
				}
				buf := make([]byte, 2)
				if _, err := io.ReadFull(str, buf); err != nil || string(buf) != "hi" {
					t.Fatalf("dial %d: echo: got %q, %v, want \"hi\"", i, buf, err)
				}
			}
			// Every client asked for a Retry proved its address with it. A
			// client may send its first flight in two packets, and each
			// one without a token is answered with a Retry.
			st := e.exit.Stats()
			if st.ValidatedHandshakes != tt.wantValidated {
				t.Errorf("Stats.ValidatedHandshakes: got %d, want %d", st.ValidatedHandshakes, tt.wantValidated)
			}
			if lo, hi := tt.wantValidated, 2*tt.wantValidated; st.Retries < lo || st.Retries > hi {
				t.Errorf("Stats.Retries: got %d, want %d to %d", st.Retries, lo, hi)
			}
		})
	}
}
