package broker

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// Registration challenges are stateless, so any broker sharing the secret
// can check them: "c1.<nonce>.<expiry unix>.<mac>", where the MAC (HMAC-
// SHA256 under Config.ChallengeSecret) covers the operator account, the
// nonce and the expiry. Binding the account means a challenge fetched by
// one operator is useless to another.
const (
	challengeVersion = "c1"
	challengeNonce   = 16
	maxChallengeLen  = 128
)

var b64url = base64.RawURLEncoding.Strict()

func (b *Broker) challenge(w http.ResponseWriter, r *http.Request, p principal) error {
	if err := decodeBody(w, r, &struct{}{}); err != nil {
		return err
	}
	exp := b.now().Add(challengeTTL).Truncate(time.Second)
	nonce := newSecret(challengeNonce)
	unsigned := challengeVersion + "." + nonce + "." + strconv.FormatInt(exp.Unix(), 10)
	ch := unsigned + "." + b64url.EncodeToString(b.challengeMAC(p.AccountID, unsigned))
	writeJSON(w, http.StatusOK, api.Challenge{Challenge: ch, ExpiresAt: exp.UTC()})
	return nil
}

func (b *Broker) challengeMAC(accountID, unsigned string) []byte {
	m := hmac.New(sha256.New, b.cfg.ChallengeSecret)
	m.Write([]byte("sparelink registration challenge v1\n" + accountID + "\n" + unsigned))
	return m.Sum(nil)
}

// checkChallenge accepts a challenge this broker (or one sharing its
// secret) issued to accountID that has not expired.
func (b *Broker) checkChallenge(ch, accountID string) error {
	if len(ch) > maxChallengeLen {
		return badRequest("malformed challenge")
	}
	parts := strings.Split(ch, ".")
	if len(parts) != 4 || parts[0] != challengeVersion {
		return badRequest("malformed challenge")
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return badRequest("malformed challenge")
	}
	mac, err := b64url.DecodeString(parts[3])
	if err != nil {
		return badRequest("malformed challenge")
	}
	unsigned := strings.Join(parts[:3], ".")
	if !hmac.Equal(mac, b.challengeMAC(accountID, unsigned)) {
		return unauthorized("challenge was not issued to this account")
	}
	if !b.now().Before(time.Unix(exp, 0)) {
		return unauthorized("challenge expired; fetch a new one")
	}
	return nil
}
