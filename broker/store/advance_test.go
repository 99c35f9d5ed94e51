package store

import "testing"

func TestAdvance(t *testing.T) {
	u := Cumulative{Seq: 5, Up: 100, Down: 200, Charged: 1000, Fee: 100}
	tests := []struct {
		name      string
		remaining int64
		seen      bool
		s         Settlement
		want      Cumulative
		wantMove  Movement
	}{
		{"unseen pair takes any seq", 10_000, false, Settlement{Seq: 1, BytesUp: 10, BytesDown: 20, CumChargeMicros: 1050, CumFeeMicros: 105},
			Cumulative{Seq: 1, Up: 100, Down: 200, Charged: 1050, Fee: 105}, Movement{Charge: 50, Fee: 5}},
		{"increase", 10_000, true, Settlement{Seq: 6, BytesUp: 150, BytesDown: 250, CumChargeMicros: 1500, CumFeeMicros: 150},
			Cumulative{Seq: 6, Up: 150, Down: 250, Charged: 1500, Fee: 150}, Movement{Charge: 500, Fee: 50}},
		{"replay moves nothing", 10_000, true, Settlement{Seq: 5, BytesUp: 900, BytesDown: 900, CumChargeMicros: 9000, CumFeeMicros: 900},
			Cumulative{Seq: 5, Up: 900, Down: 900, Charged: 1000, Fee: 100}, Movement{}},
		{"lower charge moves nothing", 10_000, true, Settlement{Seq: 7, BytesUp: 1, BytesDown: 1, CumChargeMicros: 900, CumFeeMicros: 90},
			Cumulative{Seq: 7, Up: 100, Down: 200, Charged: 1000, Fee: 100}, Movement{}},
		{"fee never exceeds the charge", 10_000, true, Settlement{Seq: 6, CumChargeMicros: 1010, CumFeeMicros: 500},
			Cumulative{Seq: 6, Up: 100, Down: 200, Charged: 1010, Fee: 110}, Movement{Charge: 10, Fee: 10}},
		{"exactly the hold exhausts", 500, true, Settlement{Seq: 6, CumChargeMicros: 1500, CumFeeMicros: 150},
			Cumulative{Seq: 6, Up: 100, Down: 200, Charged: 1500, Fee: 150}, Movement{Charge: 500, Fee: 50, Exhausted: true}},
		{"capped at the hold, fee at the rate", 333, true, Settlement{Seq: 6, CumChargeMicros: 2000, CumFeeMicros: 200},
			Cumulative{Seq: 6, Up: 100, Down: 200, Charged: 1333, Fee: 133}, Movement{Charge: 333, Fee: 33, Exhausted: true}},
		{"no hold left", 0, true, Settlement{Seq: 6, CumChargeMicros: 2000, CumFeeMicros: 200},
			Cumulative{Seq: 6, Up: 100, Down: 200, Charged: 1000, Fee: 100}, Movement{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, move := Advance(tt.remaining, 1000, u, tt.seen, tt.s)
			if got != tt.want || move != tt.wantMove {
				t.Errorf("got %+v %+v, want %+v %+v", got, move, tt.want, tt.wantMove)
			}
		})
	}
}
