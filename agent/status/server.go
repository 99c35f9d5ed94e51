package status

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/owner"
)

// ErrNotLoopback means Config.Listen is not a loopback address: the API
// and the dashboard are for the machine's owner only.
var ErrNotLoopback = errors.New("status API must listen on a loopback address")

// Config configures a Server. Token, Status and Controls are required.
type Config struct {
	// Listen is the loopback TCP address to serve on; zero means
	// 127.0.0.1:0, any free port.
	Listen string
	// Token authorises requests ("Authorization: Bearer <token>").
	Token string
	// Status reports the agent's state for GET /v1/status.
	Status func(context.Context) Status
	// Controls are the owner's settings the API reads and changes.
	Controls *owner.Controls
	// Dashboard, when set, serves everything outside /v1/. It needs no
	// token: it holds only static assets, which ask for the token.
	Dashboard http.Handler
	// DataDir, when set, receives AddrFile with the address served on.
	DataDir string
}

// Server is a running status API.
type Server struct {
	cfg  Config
	log  *zap.Logger
	ln   net.Listener
	srv  *http.Server
	done chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Start listens on cfg.Listen and serves until Close.
func Start(cfg Config, log *zap.Logger) (*Server, error) {
	if cfg.Token == "" || cfg.Status == nil || cfg.Controls == nil {
		return nil, errors.New("status API: Token, Status and Controls are required")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if err := checkLoopback(cfg.Listen); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("status API: %w", err)
	}
	s := &Server{cfg: cfg, log: log, ln: ln, done: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          zap.NewStdLog(log),
	}
	if cfg.DataDir != "" {
		if err := os.WriteFile(filepath.Join(cfg.DataDir, AddrFile), []byte(s.Addr()+"\n"), 0o600); err != nil {
			ln.Close()
			return nil, fmt.Errorf("status API: record address: %w", err)
		}
	}
	go s.serve()
	return s, nil
}

func (s *Server) serve() {
	defer close(s.done)
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Warn("status API stopped", zap.Error(err))
	}
}

// Addr is the address the API listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the API's and the dashboard's base URL.
func (s *Server) URL() string { return "http://" + s.Addr() + "/" }

// Close stops serving, waits for the server to stop and removes the
// address file. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = s.srv.Close()
		}
		<-s.done
		if s.cfg.DataDir != "" {
			_ = os.Remove(filepath.Join(s.cfg.DataDir, AddrFile))
		}
	})
	return s.closeErr
}

// checkLoopback accepts host:port with a loopback IP or "localhost".
func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("status API address %q: %w", hostport, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %q", ErrNotLoopback, hostport)
	}
	return nil
}
