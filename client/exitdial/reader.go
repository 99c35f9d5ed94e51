package exitdial

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// chunkSize is the read buffer of a tunnel's receive side.
const chunkSize = 32 << 10

// asyncReader gives an HTTP/3 stream net.Conn read deadlines without ever
// putting a deadline on the stream itself. quic-go's HTTP/3 stream parses
// each DATA frame header in pieces; a deadline that fires between them
// loses the header and corrupts the stream (H3_FRAME_UNEXPECTED). So one
// goroutine reads the stream, never interrupted, and Read waits for its
// chunks until the deadline, which only ever abandons the wait.
type asyncReader struct {
	src  io.Reader
	done chan struct{} // closed by close

	startOnce sync.Once
	req       chan struct{}
	res       chan readResult

	// Owned by the single caller of read (Conn serialises readers).
	pending bool   // a request is outstanding
	rest    []byte // unread part of the last chunk
	err     error  // sticky error from the stream

	dmu      sync.Mutex
	deadline time.Time
	changed  chan struct{} // closed and replaced when the deadline changes
}

type readResult struct {
	data []byte
	err  error
}

func newAsyncReader(src io.Reader) *asyncReader {
	return &asyncReader{
		src: src, done: make(chan struct{}),
		req: make(chan struct{}), res: make(chan readResult),
		changed: make(chan struct{}),
	}
}

// loop reads one chunk per request until the stream fails or close.
func (r *asyncReader) loop() {
	buf := make([]byte, chunkSize)
	for {
		select {
		case <-r.req:
		case <-r.done:
			return
		}
		n, err := r.src.Read(buf)
		select {
		case r.res <- readResult{buf[:n], err}:
		case <-r.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (r *asyncReader) read(p []byte) (int, error) {
	if len(r.rest) > 0 {
		n := copy(p, r.rest)
		r.rest = r.rest[n:]
		return n, nil
	}
	if r.err != nil {
		return 0, r.err
	}
	r.startOnce.Do(func() { go r.loop() })
	if !r.pending {
		select {
		case r.req <- struct{}{}:
			r.pending = true
		case <-r.done:
			return 0, net.ErrClosed
		}
	}
	res, err := r.wait()
	if err != nil {
		return 0, err
	}
	r.pending = false
	n := copy(p, res.data)
	r.rest = res.data[n:]
	if res.err != nil {
		r.err = res.err
		if n == 0 && len(r.rest) == 0 {
			return 0, res.err
		}
	}
	return n, nil
}

// wait returns the next chunk, or a timeout when the deadline passes
// first; the chunk then stays due for the next read.
func (r *asyncReader) wait() (readResult, error) {
	for {
		r.dmu.Lock()
		dl, changed := r.deadline, r.changed
		r.dmu.Unlock()
		var expired <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return readResult{}, os.ErrDeadlineExceeded
			}
			t := time.NewTimer(d)
			defer t.Stop()
			expired = t.C
		}
		select {
		case res := <-r.res:
			return res, nil
		case <-expired:
			return readResult{}, os.ErrDeadlineExceeded
		case <-changed:
		case <-r.done:
			return readResult{}, net.ErrClosed
		}
	}
}

func (r *asyncReader) setDeadline(t time.Time) {
	r.dmu.Lock()
	defer r.dmu.Unlock()
	r.deadline = t
	close(r.changed)
	r.changed = make(chan struct{})
}

// close stops the reading goroutine; the caller cancels the stream's read
// side so a Read in progress returns.
func (r *asyncReader) close() { close(r.done) }
