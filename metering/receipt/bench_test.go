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

// BenchmarkBuyerCheck is what a buyer's side does per receipt: verify the
// node's signature, then countersign; it reports receipts per second.
func BenchmarkBuyerCheck(b *testing.B) {
	nodePub, nodeKey := newKey(b)
	_, buyerKey := newKey(b)
	r := sample()
	r.Sign(nodeKey)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Verify(nodePub); err != nil {
			b.Fatalf("Verify: %v", err)
		}
		r.Countersign(buyerKey)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "receipts/s")
}

// BenchmarkExitCheck is what an exit does per countersigned receipt:
// verify both signatures; it reports receipts per second.
func BenchmarkExitCheck(b *testing.B) {
	nodePub, nodeKey := newKey(b)
	buyerPub, buyerKey := newKey(b)
	r := signed(b, nodeKey, buyerKey)
	b.ReportAllocs()
	for b.Loop() {
		if r.Verify(nodePub) != nil || r.VerifyCountersign(buyerPub) != nil {
			b.Fatal("verification failed")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "receipts/s")
}
