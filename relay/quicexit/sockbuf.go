package quicexit

import (
	"net"

	"go.uber.org/zap"
)

// socketBufferSize is the UDP buffer size quic-go recommends for
// high-throughput servers (7 MiB in each direction).
const socketBufferSize = 7 << 20

// raiseBuffers enlarges conn's send and receive buffers. Unprivileged
// processes are capped by the system limits (net.core.rmem_max and
// wmem_max on Linux); that is not fatal, only slower, so failures are
// logged at debug level.
func raiseBuffers(conn *net.UDPConn, log *zap.Logger) {
	if err := conn.SetReadBuffer(socketBufferSize); err != nil {
		log.Debug("cannot raise UDP receive buffer", zap.Error(err))
	}
	if err := conn.SetWriteBuffer(socketBufferSize); err != nil {
		log.Debug("cannot raise UDP send buffer", zap.Error(err))
	}
	forceBuffers(conn, log)
}
