//go:build !unix

package quicexit

import (
	"errors"
	"net"
	"syscall"
)

// sendNow writes p to the connected socket c. Outside Unix there is no
// portable non-blocking write, so a full send buffer delays the flow
// rather than dropping the datagram; an ICMP error pending on the socket
// only drops it.
func sendNow(c net.Conn, p []byte) (bool, error) {
	_, err := c.Write(p)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return false, nil
	}
	return err == nil, err
}
