package meter

import (
	"errors"
	"io"
	"sync"
	"time"
)

// bufPool holds copy buffers for Pipe so the hot path allocates nothing per
// connection after warm-up.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// HalfCloser is a stream whose write side can be closed on its own (TCP
// connections, QUIC streams), so that one direction ending does not cut the
// other. Wrap QUIC streams, whose Close closes only the send side, to
// expose it as CloseWrite.
type HalfCloser interface {
	CloseWrite() error
}

// ReadInterrupter is a stream whose blocked reads can be made to return
// (net.Conn, QUIC streams). Pipe uses it to end the surviving direction
// when the other one fails.
type ReadInterrupter interface {
	SetReadDeadline(t time.Time) error
}

// Pipe copies between buyer and dest in both directions until both
// directions end, counting bytes on c: buyer→dest as Up, dest→buyer as Down.
// It returns the first error that was not a clean end of stream. When one
// direction fails, the other could wait forever on a peer that neither
// sends nor closes, so Pipe sets a past read deadline on the sides that
// are ReadInterrupters. Neither side is closed by Pipe except for
// half-closes; the caller closes both.
func Pipe(buyer, dest io.ReadWriter, c *Counter) error {
	errc := make(chan error, 2)
	go func() { errc <- copyCounted(dest, buyer, c.AddUp) }()
	go func() { errc <- copyCounted(buyer, dest, c.AddDown) }()
	err1 := <-errc
	if err1 != nil {
		interruptRead(buyer)
		interruptRead(dest)
	}
	err2 := <-errc
	if err1 != nil {
		return err1
	}
	return err2
}

func interruptRead(s io.ReadWriter) {
	if ri, ok := s.(ReadInterrupter); ok {
		_ = ri.SetReadDeadline(time.Unix(1, 0))
	}
}

// copyCounted copies src to dst, counting every byte written, then
// half-closes dst when it can.
func copyCounted(dst io.Writer, src io.Reader, count func(int64)) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var err error
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			w, werr := dst.Write(buf[:n])
			count(int64(w))
			if werr != nil {
				err = werr
				break
			}
		}
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				err = rerr
			}
			break
		}
	}
	if hc, ok := dst.(HalfCloser); ok {
		_ = hc.CloseWrite()
	}
	return err
}
