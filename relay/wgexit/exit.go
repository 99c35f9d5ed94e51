package wgexit

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.zx2c4.com/wireguard/device"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/wgexit/linktun"
)

// Exit is a running WireGuard exit. It is safe for concurrent use.
type Exit struct {
	cfg       Config
	log       *zap.Logger
	publicKey string
	port      uint16
	dev       *device.Device
	devLog    *deviceLog
	tun       *linktun.Device
	stack     *stack.Stack
	dns       *dnsServer
	rate      nodeRate // the whole exit's cap; see SetMaxRate

	mu     sync.Mutex
	closed bool
	pool   *pool
	peers  map[[32]byte]*peerState
	byAddr map[netip.Addr]*peerState
	leases map[string]*lease
	wg     sync.WaitGroup // forwarder goroutines
	once   sync.Once
}

// New starts an exit: the gVisor stack, its forwarders and DNS server,
// and the WireGuard device listening on cfg.ListenAddr. It has no peers
// until AddPeer.
func New(cfg Config, log *zap.Logger) (*Exit, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	e := &Exit{cfg: cfg, log: log.Named("wgexit"), peers: map[[32]byte]*peerState{},
		byAddr: map[netip.Addr]*peerState{}, leases: map[string]*lease{}}
	if e.pool, err = newPool(cfg.Prefix4, cfg.Prefix6); err != nil {
		return nil, err
	}
	if e.publicKey, err = cfg.PrivateKey.Public(); err != nil {
		return nil, fmt.Errorf("wgexit: %w", err)
	}
	bind, port, err := newBind(cfg.ListenAddr)
	if err != nil {
		return nil, err
	}
	if err := e.startStack(); err != nil {
		return nil, err
	}
	e.devLog = &deviceLog{log: e.log.Named("device")}
	e.dev = device.NewDevice(e.tun, bind, e.devLog.logger())
	if err := e.startDevice(port); err != nil {
		e.dev.Close()
		e.devLog.mute()
		e.stopStack()
		return nil, err
	}
	e.log.Info("wireguard exit ready", zap.Uint16("port", e.port), zap.String("public_key", e.publicKey))
	return e, nil
}

// startDevice sets the key and port, brings the device up and reads the
// port it bound.
func (e *Exit) startDevice(port uint16) error {
	k := e.cfg.PrivateKey
	if err := e.dev.IpcSet(fmt.Sprintf("private_key=%s\nlisten_port=%d\n", hex.EncodeToString(k[:]), port)); err != nil {
		return fmt.Errorf("wgexit: configure device: %w", err)
	}
	if err := e.dev.Up(); err != nil {
		return fmt.Errorf("wgexit: listen on %s: %w", e.cfg.ListenAddr, err)
	}
	state, err := e.dev.IpcGet()
	if err != nil {
		return fmt.Errorf("wgexit: read device state: %w", err)
	}
	for _, kv := range parseUAPI(state) {
		if kv.key == "listen_port" {
			p, err := strconv.ParseUint(kv.value, 10, 16)
			if err != nil {
				return fmt.Errorf("wgexit: device reported port %q: %w", kv.value, err)
			}
			e.port = uint16(p)
		}
	}
	if e.port == 0 {
		return fmt.Errorf("wgexit: listen on %s: device is not listening", e.cfg.ListenAddr)
	}
	return nil
}

// Port is the UDP port the exit listens on.
func (e *Exit) Port() uint16 { return e.port }

// PublicKey is the exit's WireGuard public key, base64 as `wg` prints it.
func (e *Exit) PublicKey() string { return e.publicKey }

// Meter is the meter the exit counts on.
func (e *Exit) Meter() *meter.Meter { return e.cfg.Meter }

// Resolver returns the exit's own tunnel addresses, where it answers DNS.
func (e *Exit) Resolver() Assigned { return e.pool.own() }

// Close removes every peer, ends every flow and stops the device and the
// stack. It is idempotent and waits for the exit's goroutines.
func (e *Exit) Close() error {
	e.once.Do(func() {
		e.mu.Lock()
		e.closed = true
		leases := make([]*lease, 0, len(e.leases))
		for _, l := range e.leases {
			leases = append(leases, l)
		}
		e.mu.Unlock()
		for _, l := range leases {
			l.cancel()
			l.closeFlows(nil)
		}
		e.dns.close()
		e.dev.Close()
		e.devLog.mute()
		e.stopStack()
		e.wg.Wait()
	})
	return nil
}

// enter registers a forwarder goroutine; it fails once Close has begun.
func (e *Exit) enter() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.wg.Add(1)
	return true
}

// deviceLog sends wireguard-go's log to zap: errors as warnings, verbose
// lines at debug level only when debug is enabled, since they name
// peers' endpoints. wireguard-go's workers may still log after
// Device.Close returns, so the exit mutes it once closed.
type deviceLog struct {
	log   *zap.Logger
	mu    sync.RWMutex
	muted bool
}

func (d *deviceLog) logger() *device.Logger {
	dl := &device.Logger{Verbosef: device.DiscardLogf, Errorf: d.write(zap.WarnLevel)}
	if d.log.Core().Enabled(zap.DebugLevel) {
		dl.Verbosef = d.write(zap.DebugLevel)
	}
	return dl
}

func (d *deviceLog) write(level zapcore.Level) func(string, ...any) {
	return func(format string, args ...any) {
		d.mu.RLock()
		defer d.mu.RUnlock()
		if !d.muted {
			d.log.Log(level, fmt.Sprintf(format, args...))
		}
	}
}

// mute drops every later line.
func (d *deviceLog) mute() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.muted = true
}
