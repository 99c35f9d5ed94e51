package receipt

import "testing"

func BenchmarkSign(b *testing.B) {
	_, key := newKey(b)
	r := sample()
	b.ReportAllocs()
	for b.Loop() {
		r.Seq++
		r.Sign(key)
	}
}

func BenchmarkVerify(b *testing.B) {
	pub, key := newKey(b)
	r := sample()
	r.Sign(key)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Verify(pub); err != nil {
			b.Fatalf("Verify: %v", err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	_, key := newKey(b)
	r := sample()
	r.Sign(key)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.MarshalBinary(); err != nil {
			b.Fatalf("MarshalBinary: %v", err)
		}
	}
}
