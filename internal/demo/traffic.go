package demo

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
)

func (m *Market) startGateway(context.Context) error {
	exits, err := exitsOf(m.lease)
	if err != nil {
		return err
	}
	m.pool = exitdial.NewPool(exits, m.log.Named("exits"))
	m.gw, err = gateway.New(gateway.Config{Counter: &m.buyerCount}, m.pool, m.log.Named("gateway"))
	if err != nil {
		return err
	}
	if m.socksAddr, err = m.gw.ListenSOCKS5("127.0.0.1:0"); err != nil {
		return err
	}
	m.httpAddr, err = m.gw.ListenHTTP("127.0.0.1:0")
	return err
}

// exitsOf turns a lease's QUIC exits into dialer targets.
func exitsOf(l api.Lease) ([]exitdial.Exit, error) {
	var out []exitdial.Exit
	for _, e := range l.Exits {
		if e.QUIC == nil {
			continue
		}
		pub, err := base64.StdEncoding.DecodeString(e.QUIC.PublicKey)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("exit %s: bad public key", e.NodeID)
		}
		out = append(out, exitdial.Exit{NodeID: e.NodeID, Addr: e.QUIC.Addr, PublicKey: pub, Token: e.QUIC.Token})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lease %s has no QUIC exits", l.ID)
	}
	return out, nil
}

// Traffic is what the demo buyer sent and received through the gateway.
type Traffic struct {
	Downloads, Uploads int
	DownloadedBytes    int64
	UploadedBytes      int64
}

// RunTraffic downloads and uploads the configured volume through the
// gateway, half over SOCKS5 and half over the HTTP proxy, checking every
// byte.
func (m *Market) RunTraffic(ctx context.Context) (Traffic, error) {
	var t Traffic
	proxies := []string{"socks5h://" + m.socksAddr.String(), "http://" + m.httpAddr.String()}
	for i, p := range proxies {
		hc, closeIdle, err := proxyClient(p)
		if err != nil {
			return t, err
		}
		down := m.cfg.DownloadBytes / len(proxies)
		if i == 0 {
			down += m.cfg.DownloadBytes % len(proxies)
		}
		if err := download(ctx, hc, m.origin.URL(), down); err != nil {
			return t, fmt.Errorf("download via %s: %w", p, err)
		}
		t.Downloads++
		t.DownloadedBytes += int64(down)
		up := m.cfg.UploadBytes / len(proxies)
		if err := upload(ctx, hc, m.origin.URL(), up); err != nil {
			return t, fmt.Errorf("upload via %s: %w", p, err)
		}
		t.Uploads++
		t.UploadedBytes += int64(up)
		closeIdle()
		m.log.Info("traffic through gateway", zap.String("proxy", p), zap.Int("down", down), zap.Int("up", up))
	}
	return t, nil
}

func proxyClient(proxy string) (*http.Client, func(), error) {
	pu, err := url.Parse(proxy)
	if err != nil {
		return nil, nil, err
	}
	tr := &http.Transport{Proxy: http.ProxyURL(pu), DisableCompression: true}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}, tr.CloseIdleConnections, nil
}

func download(ctx context.Context, hc *http.Client, base string, n int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%sbytes/%d", base, n), nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("origin answered %s (Proxy-Status: %s)", resp.Status, resp.Header.Get("Proxy-Status"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if !bytes.Equal(body, Payload(n)) {
		return fmt.Errorf("got %d bytes that differ from the %d bytes served", len(body), n)
	}
	return nil
}

func upload(ctx context.Context, hc *http.Client, base string, n int) error {
	data := Payload(n)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"upload", bytes.NewReader(data))
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("origin answered %s (Proxy-Status: %s)", resp.Status, resp.Header.Get("Proxy-Status"))
	}
	var res UploadResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("origin's upload answer: %w", err)
	}
	sum := sha256.Sum256(data)
	if res.Bytes != int64(n) || res.SHA256 != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("origin received %d bytes (sha256 %s), sent %d", res.Bytes, res.SHA256, n)
	}
	return nil
}
