package broker

import (
	"crypto/ed25519"
	"encoding/base64"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store/sqlite"
)

// FuzzRegistrationProof feeds arbitrary challenges, keys and signatures to
// the node-registration proof check: it must never panic, and nothing but
// the one proof made with the broker's own challenge and the node's key
// may pass.
func FuzzRegistrationProof(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	st, err := sqlite.Open(f.Context(), sqlite.Config{Path: filepath.Join(f.TempDir(), "b.db")}, zap.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	b, err := New(Config{ChallengeSecret: []byte("fuzz secret"), Now: func() time.Time { return now }}, st, zap.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	const account = "ac_fuzz"
	unsigned := challengeVersion + ".bm9uY2Vub25jZW5vbmNl." + strconv.FormatInt(now.Add(time.Minute).Unix(), 10)
	challenge := unsigned + "." + b64url.EncodeToString(b.challengeMAC(account, unsigned))
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(api.NodeRegistrationContext+challenge)))

	f.Add(challenge, pub, sig)
	f.Add(challenge, pub, base64.StdEncoding.EncodeToString(make([]byte, ed25519.SignatureSize)))
	f.Add(unsigned+".AAAA", pub, sig)
	f.Add("c1...", "", "")
	f.Add(challenge+"."+challenge, pub, sig)
	f.Fuzz(func(t *testing.T, ch, pubKey, signature string) {
		req := api.RegisterNodeRequest{
			PublicKey: pubKey, Challenge: ch, Signature: signature,
			Region: api.Region{Country: "DE"}, ConnectionType: api.ConnResidential,
			Protocols: []string{api.ProtocolQUIC}, QUICAddr: "127.0.0.1:4433",
			PriceMicrosPerGB: 1, CapacityBps: 1,
		}
		_, err := b.checkProof(req, account)
		if err == nil && (ch != challenge || pubKey != pub) {
			t.Fatalf("accepted a proof the broker did not issue: challenge %q key %q", ch, pubKey)
		}
	})
}
