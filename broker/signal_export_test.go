package broker

import "time"

// SetSignalTimeout shortens the wait for a node's answer for one test and
// returns the undo.
func SetSignalTimeout(d time.Duration) (undo func()) {
	old := signalTimeout
	signalTimeout = d
	return func() { signalTimeout = old }
}
