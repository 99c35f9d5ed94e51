package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// progress shows a spinner and a message on a terminal while a long step
// runs; on anything else (a pipe, a file, a test) it shows nothing, so
// that scripts read clean output.
type progress struct {
	w    io.Writer
	stop chan struct{}
	done sync.WaitGroup
}

// startProgress shows msg on w while the step runs, if w is a terminal.
func startProgress(w io.Writer, msg string) *progress {
	p := &progress{w: w}
	f, ok := w.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return p
	}
	p.stop = make(chan struct{})
	p.done.Add(1)
	go p.spin(msg)
	return p
}

func (p *progress) spin(msg string) {
	defer p.done.Done()
	frames := `|/-\`
	t := time.NewTicker(120 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	for i := 0; ; i++ {
		fmt.Fprintf(p.w, "\r%c %s (%ds)", frames[i%len(frames)], msg, int(time.Since(start).Seconds()))
		select {
		case <-p.stop:
			fmt.Fprint(p.w, "\r\033[K")
			return
		case <-t.C:
		}
	}
}

// end clears the spinner; it is idempotent.
func (p *progress) end() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	p.stop = nil
	p.done.Wait()
}
