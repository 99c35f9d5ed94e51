//go:build unix

package quicexit

import (
	"errors"
	"net"
	"syscall"
)

// sendNow writes p to the connected socket c without waiting for room in
// its send buffer. It reports whether p was sent; a datagram the kernel
// cannot take now (full buffer, ICMP error pending, too large) is dropped
// without an error, as a router would drop it. Other errors end the flow.
func sendNow(c net.Conn, p []byte) (bool, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return sendBlocking(c, p)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, err
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		_, werr = syscall.Write(int(fd), p)
		return true // never wait for the socket to become writable
	})
	if err != nil {
		return false, err
	}
	if werr != nil && !droppable(werr) {
		return false, werr
	}
	return werr == nil, nil
}

// droppable reports write errors that lose one datagram but leave the
// socket usable.
func droppable(err error) bool {
	for _, e := range []error{syscall.EAGAIN, syscall.EWOULDBLOCK, syscall.EINTR,
		syscall.ENOBUFS, syscall.EMSGSIZE, syscall.ECONNREFUSED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// sendBlocking is sendNow for sockets without a file descriptor.
func sendBlocking(c net.Conn, p []byte) (bool, error) {
	_, err := c.Write(p)
	if err != nil && droppable(err) {
		return false, nil
	}
	return err == nil, err
}
