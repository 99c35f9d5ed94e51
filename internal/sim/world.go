package sim

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
)

// epoch is where every simulated clock starts.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// world is one run: the brokers, the store, the simulated clock and
// network, and the model of what every participant knows.
type world struct {
	cfg     Config
	rng     *rand.Rand
	log     *zap.Logger
	now     time.Time
	st      store.Store
	brokers []*broker.Broker
	admin   string // admin API key

	operators []*operator
	nodes     []*node
	buyers    []*buyer
	leases    []*simLease

	res    Result
	step   int
	trace  hash.Hash
	dirty  map[*buyer]bool // touched by the current step
	dirtyL map[*simLease]bool
}

func newWorld(ctx context.Context, cfg Config, log *zap.Logger) (*world, error) {
	w := &world{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)), log: log, now: epoch,
		trace: sha256.New(), dirty: map[*buyer]bool{}, dirtyL: map[*simLease]bool{}}
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(cfg.Dir, "sim.db"), Now: w.clock(0)}, log.Named("store"))
	if err != nil {
		return nil, err
	}
	w.st = st
	if err := w.startBrokers(); err != nil {
		st.Close()
		return nil, err
	}
	if err := w.populate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return w, nil
}

// clock is the simulated clock seen with offset.
func (w *world) clock(offset time.Duration) func() time.Time {
	return func() time.Time { return w.now.Add(offset) }
}

// startBrokers starts the replicas, each on its own skewed clock.
func (w *world) startBrokers() error {
	signer, err := lease.NewSigningKey()
	if err != nil {
		return err
	}
	secret := w.bytes(32)
	for i := range w.cfg.Replicas {
		skew := time.Duration(w.rng.Int64N(int64(2*w.cfg.ReplicaSkew)+1)) - w.cfg.ReplicaSkew
		b, err := broker.New(broker.Config{Signer: signer, ChallengeSecret: secret, RateLimit: -1,
			Now: w.clock(skew)}, w.st, w.log.Named(fmt.Sprintf("broker%d", i)))
		if err != nil {
			return err
		}
		w.brokers = append(w.brokers, b)
	}
	return nil
}

func (w *world) close() { w.st.Close() }

// bytes draws n bytes from the run's generator.
func (w *world) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(w.rng.Uint32())
	}
	return b
}

// nodeKey draws a node key from the run's generator, so node IDs (and
// with them the matcher's tie-breaks) are the same in every replay.
func (w *world) nodeKey() identity.Key {
	return identity.Key{Private: ed25519.NewKeyFromSeed(w.bytes(ed25519.SeedSize))}
}

// via is a client with key on a replica the network picks.
func (w *world) via(key string) *client.Client {
	b := w.brokers[w.rng.IntN(len(w.brokers))]
	return client.New("http://sim.invalid", key, client.WithRetry(1, 0),
		client.WithHTTPClient(&http.Client{Transport: transport{h: b.Handler()}}))
}

// record adds a line to the run's trace.
func (w *world) record(format string, args ...any) {
	fmt.Fprintf(w.trace, "%d ", w.step)
	fmt.Fprintf(w.trace, format, args...)
	w.trace.Write([]byte{'\n'})
}

func (w *world) digest() string { return hex.EncodeToString(w.trace.Sum(nil)) }
