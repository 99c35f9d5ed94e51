package receipt

import "fmt"

// CheckNext reports whether next may follow prev for the same lease and
// node: the IDs match (ErrMismatch), Seq is greater (ErrReplay, which also
// covers exact duplicates), and neither Up nor Down is smaller
// (ErrNotMonotonic). A nil prev means next is the first receipt of its
// pair and only next's fields are checked.
//
// CheckNext checks order only, not signatures: verify next first. Times
// are not compared, since an exit's clock may step back.
func CheckNext(prev, next *Receipt) error {
	if next == nil {
		return fmt.Errorf("%w: no receipt", ErrMalformed)
	}
	if err := next.Validate(); err != nil {
		return err
	}
	if prev == nil {
		return nil
	}
	if prev.LeaseID != next.LeaseID || prev.NodeID != next.NodeID {
		return fmt.Errorf("%w: have lease %q node %q, got lease %q node %q",
			ErrMismatch, prev.LeaseID, prev.NodeID, next.LeaseID, next.NodeID)
	}
	if next.Seq <= prev.Seq {
		return fmt.Errorf("%w: seq %d after %d", ErrReplay, next.Seq, prev.Seq)
	}
	if next.Up < prev.Up || next.Down < prev.Down {
		return fmt.Errorf("%w: seq %d counts up %d down %d after up %d down %d",
			ErrNotMonotonic, next.Seq, next.Up, next.Down, prev.Up, prev.Down)
	}
	return nil
}
