package footprint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/brokerd"
	"github.com/sparelink/sparelink/client"
)

// market is a broker on loopback with an operator account for the agent.
type market struct {
	url         string
	operatorKey string
	cancel      context.CancelFunc
	done        chan error
}

// startMarket runs brokerd with its data in dir and creates an operator.
func startMarket(ctx context.Context, dir string, log *zap.Logger) (*market, error) {
	ctx, cancel := context.WithCancel(ctx)
	m := &market{cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		m.done <- brokerd.Run(ctx, brokerd.Config{Listen: "127.0.0.1:0", DataDir: dir}, log, func(url string) { ready <- url })
	}()
	select {
	case m.url = <-ready:
	case err := <-m.done:
		cancel()
		return nil, fmt.Errorf("start broker: %w", err)
	case <-time.After(30 * time.Second):
		m.stop()
		return nil, errors.New("start broker: not ready within 30s")
	}
	if err := m.createOperator(ctx, dir); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

func (m *market) createOperator(ctx context.Context, dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, brokerd.AdminKeyFile))
	if err != nil {
		return fmt.Errorf("read admin key: %w", err)
	}
	admin := client.New(m.url, strings.TrimSpace(string(raw)))
	acct, err := admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: api.KindOperator, Name: "Footprint Operator"})
	if err != nil {
		return fmt.Errorf("create operator: %w", err)
	}
	key, err := admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: acct.ID})
	if err != nil {
		return fmt.Errorf("create operator key: %w", err)
	}
	m.operatorKey = key.Key
	return nil
}

// stop shuts the broker down and waits for it.
func (m *market) stop() {
	m.cancel()
	<-m.done
}
