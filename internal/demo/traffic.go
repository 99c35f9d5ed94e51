package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
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
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/metering/receipt"
)

func (m *Market) startGateway(ctx context.Context) error {
	exits, err := exitdial.FromLease(&m.lease)
	if err != nil {
		return err
	}
	exits = exitdial.WithReceipts(exits, exitdial.Receipts{LeaseID: m.lease.ID, Key: m.receiptKey,
		Report: func(ctx context.Context, r *receipt.Receipt, count meter.Totals) {
			if _, err := m.buyer.ReportDispute(ctx, m.lease.ID, r, count); err != nil {
				m.log.Warn("report dispute", zap.Error(err))
			}
		}})
	m.pool = exitdial.NewPool(exits, m.log.Named("exits"))
	m.gw, err = gateway.New(gateway.Config{Counter: &m.buyerCount}, m.pool, m.log.Named("gateway"))
	if err != nil {
		return err
	}
	if m.socksAddr, err = m.gw.ListenSOCKS5("127.0.0.1:0"); err != nil {
		return err
	}
	if m.httpAddr, err = m.gw.ListenHTTP("127.0.0.1:0"); err != nil {
		return err
	}
	m.progress("gateway on socks5h://%s and http://%s", m.socksAddr, m.httpAddr)
	// Tokens are short-lived: a market kept running refreshes them.
	fetch := func(ctx context.Context) (*api.Lease, error) { return m.buyer.Lease(ctx, m.lease.ID) }
	m.agentsWG.Add(1)
	go func() {
		defer m.agentsWG.Done()
		exitdial.KeepFresh(m.runCtx, m.pool, fetch, time.Minute, m.log.Named("exits"))
	}()
	return nil
}

// Traffic is what the demo buyer sent and received through the gateway.
type Traffic struct {
	Downloads, Uploads int
	DownloadedBytes    int64
	UploadedBytes      int64
}

// transfersPerKind is how many downloads and how many uploads the demo
// makes; each goes over a new connection, so the gateway's rotation spreads
// them over the lease's exits.
const transfersPerKind = 3

// RunTraffic downloads and uploads the configured volume through the
// gateway, alternating between SOCKS5 and the HTTP proxy and checking every
// byte.
func (m *Market) RunTraffic(ctx context.Context) (Traffic, error) {
	var t Traffic
	proxies := []string{"socks5h://" + m.socksAddr.String(), "http://" + m.httpAddr.String()}
	for i := range 2 * transfersPerKind {
		p := proxies[i%len(proxies)]
		hc, err := proxyClient(p)
		if err != nil {
			return t, err
		}
		if i%2 == 0 {
			n := share(m.cfg.DownloadBytes, i/2)
			if err := download(ctx, hc, m.origin.URL(), n); err != nil {
				return t, fmt.Errorf("download via %s: %w", p, err)
			}
			t.Downloads++
			t.DownloadedBytes += int64(n)
			m.progress("downloaded %s through the gateway (%s)", mib(n), p)
		} else {
			n := share(m.cfg.UploadBytes, i/2)
			if err := upload(ctx, hc, m.origin.URL(), n); err != nil {
				return t, fmt.Errorf("upload via %s: %w", p, err)
			}
			t.Uploads++
			t.UploadedBytes += int64(n)
			m.progress("uploaded %s through the gateway (%s)", mib(n), p)
		}
	}
	return t, nil
}

// share is the size of transfer i when total is split transfersPerKind ways.
func share(total, i int) int {
	n := total / transfersPerKind
	if i == 0 {
		n += total % transfersPerKind
	}
	return n
}

func mib(n int) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

// proxyClient returns an HTTP client that makes one connection per request
// through proxy.
func proxyClient(proxy string) (*http.Client, error) {
	pu, err := url.Parse(proxy)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{Proxy: http.ProxyURL(pu), DisableCompression: true, DisableKeepAlives: true}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}, nil
}

func download(ctx context.Context, hc *http.Client, base string, n int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%sbytes/%d", base, n), nil)
	if err != nil {
		return err
	}
	body, err := fetch(hc, req)
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
	body, err := fetch(hc, req)
	if err != nil {
		return err
	}
	var res UploadResult
	if err := json.Unmarshal(body, &res); err != nil {
		return fmt.Errorf("origin's upload answer: %w", err)
	}
	sum := sha256.Sum256(data)
	if res.Bytes != int64(n) || res.SHA256 != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("origin received %d bytes (sha256 %s), sent %d", res.Bytes, res.SHA256, n)
	}
	return nil
}

// fetch sends req and returns the body of a 200 answer; anything else is
// an error that carries the proxy's Proxy-Status.
func fetch(hc *http.Client, req *http.Request) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("origin answered %s (Proxy-Status: %s)", resp.Status, resp.Header.Get("Proxy-Status"))
	}
	return io.ReadAll(resp.Body)
}
