package quicexit

import (
	"net"
	"syscall"

	"go.uber.org/zap"
)

// forceBuffers lifts the buffers past the system limits with
// SO_RCVBUFFORCE and SO_SNDBUFFORCE, which need CAP_NET_ADMIN; without it
// the sizes stay where raiseBuffers left them.
func forceBuffers(conn *net.UDPConn, log *zap.Logger) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return
	}
	var rerr, werr error
	var rcv int
	_ = rc.Control(func(fd uintptr) {
		rcv, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		// The kernel reports twice the size set, for bookkeeping overhead.
		if rcv >= 2*socketBufferSize {
			return
		}
		rerr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, socketBufferSize)
		werr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUFFORCE, socketBufferSize)
	})
	if rerr != nil || werr != nil {
		log.Debug("UDP buffers limited by the system",
			zap.Int("receive_buffer", rcv/2), zap.NamedError("receive", rerr), zap.NamedError("send", werr))
	}
}
