package store_test

import (
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

func TestFreeIndex(t *testing.T) {
	tests := []struct {
		name string
		used []int
		want int
		ok   bool
	}{
		{"none", nil, 2, true},
		{"first taken", []int{2}, 3, true},
		{"gap", []int{2, 3, 5}, 4, true},
		{"below the range", []int{0, 1, 2}, 3, true},
		{"full", fullRange(), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := store.FreeIndex(tt.used)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("FreeIndex = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func fullRange() []int {
	var all []int
	for i := store.WireGuardFirstIndex; i <= store.WireGuardMaxIndex; i++ {
		all = append(all, i)
	}
	return all
}
