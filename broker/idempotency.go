package broker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// Idempotency timing. A pending claim older than idemStale belongs to a
// request that died (no handler runs that long), so the key is claimed
// anew; a duplicate polls for the first answer from idemPollFirst to
// idemPollMax apart.
const (
	idemStale     = 2 * time.Minute
	idemPollFirst = 5 * time.Millisecond
	idemPollMax   = 100 * time.Millisecond
)

// maxIdemKeyLen bounds Idempotency-Key headers.
const maxIdemKeyLen = 128

// errStillRunning says the first request with a key has not answered yet.
var errStillRunning = errors.New("first request still running")

// idempotent runs a POST handler under the request's Idempotency-Key, if
// any: the first request with a key runs and its answer is stored (unless
// it is a 5xx, which frees the key for a retry); a repeat with the same
// body gets that answer byte for byte, a repeat with another body a 422.
// Keys are scoped to the caller's account. A repeat that arrives while the
// first request runs waits up to Config.IdempotencyWait for its answer,
// and then gets 409 idempotency_in_progress with Retry-After.
func (b *Broker) idempotent(w http.ResponseWriter, r *http.Request, p principal, h handler) error {
	key := r.Header.Get(api.HeaderIdempotencyKey)
	if key == "" {
		return h(w, r, p)
	}
	if !validToken(key, maxIdemKeyLen) {
		return badRequest("%s must be 1 to %d printable characters without spaces", api.HeaderIdempotencyKey, maxIdemKeyLen)
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec, claimed, err := b.claim(r.Context(), p.AccountID, key, requestDigest(r, body))
	switch {
	case errors.Is(err, errStillRunning):
		w.Header().Set(api.HeaderRetryAfter, "1")
		return newProblem(http.StatusConflict, api.CodeIdempotencyInProgress,
			"a request with this %s is still running; retry shortly", api.HeaderIdempotencyKey)
	case err != nil:
		return storeProblem(err, "idempotency key")
	case !claimed:
		body, err := unseal(b.sealer, rec.Body, rec.AccountID, rec.Key)
		if err != nil {
			return storeProblem(err, "stored answer")
		}
		rec.Body = body
		replay(w, rec)
		return nil
	}
	b.runClaimed(w, r, p, h, rec)
	return nil
}

// requestDigest identifies a request for idempotency: method, path and
// the exact body bytes.
func requestDigest(r *http.Request, body []byte) []byte {
	d := sha256.New()
	d.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	d.Write(body)
	return d.Sum(nil)
}

// claim claims the key, or waits for the answer of the request holding
// it. It returns errStillRunning when that request outlasts the wait.
func (b *Broker) claim(ctx context.Context, account, key string, hash []byte) (store.IdempotencyRecord, bool, error) {
	deadline := time.Now().Add(b.cfg.IdempotencyWait)
	for {
		now := b.now()
		rec, claimed, err := b.st.ClaimIdempotency(ctx, store.IdempotencyRecord{
			AccountID: account, Key: key, RequestHash: hash, Token: newSecret(16), CreatedAt: now,
		}, now.Add(-idemStale))
		if err != nil || claimed || rec.Complete {
			return rec, claimed, err
		}
		rec, err = b.awaitAnswer(ctx, account, key, deadline)
		if !errors.Is(err, store.ErrNotFound) {
			return rec, false, err
		}
		// The first request failed and released the key: claim it.
	}
}

// awaitAnswer polls a pending record until it is complete, released
// (store.ErrNotFound) or the deadline passes (errStillRunning).
func (b *Broker) awaitAnswer(ctx context.Context, account, key string, deadline time.Time) (store.IdempotencyRecord, error) {
	wait := idemPollFirst
	for {
		if !time.Now().Add(wait).Before(deadline) {
			return store.IdempotencyRecord{}, errStillRunning
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return store.IdempotencyRecord{}, ctx.Err()
		case <-t.C:
		}
		rec, err := b.st.Idempotency(ctx, account, key)
		if err != nil || rec.Complete {
			return rec, err
		}
		wait = min(2*wait, idemPollMax)
	}
}

// runClaimed runs h for the claim rec, stores its answer (or releases the
// key after a 5xx) and then sends the answer.
func (b *Broker) runClaimed(w http.ResponseWriter, r *http.Request, p principal, h handler, rec store.IdempotencyRecord) {
	c := newCapture(w.Header())
	if err := h(c, r, p); err != nil {
		pr := toProblem(err)
		note(w, err, pr.code)
		writeProblem(c, pr)
	}
	// Store the answer even when the caller has gone: its retry wants it.
	ctx := context.WithoutCancel(r.Context())
	rec.Status, rec.ContentType = c.code(), c.header.Get("Content-Type")
	rec.Body = seal(b.sealer, c.body.Bytes(), rec.AccountID, rec.Key)
	if rec.Status >= http.StatusInternalServerError {
		b.release(ctx, rec)
	} else if err := b.st.CompleteIdempotency(ctx, rec); err != nil {
		b.log.Error("store idempotent answer", zap.String("idempotency_account", rec.AccountID), zap.Error(err))
		b.release(ctx, rec)
	}
	c.sendTo(w)
}

func (b *Broker) release(ctx context.Context, rec store.IdempotencyRecord) {
	if err := b.st.ReleaseIdempotency(ctx, rec.AccountID, rec.Key, rec.Token); err != nil {
		b.log.Error("release idempotency key", zap.String("idempotency_account", rec.AccountID), zap.Error(err))
	}
}

// replay sends a stored answer again.
func replay(w http.ResponseWriter, rec store.IdempotencyRecord) {
	if rec.ContentType != "" {
		w.Header().Set("Content-Type", rec.ContentType)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set(api.HeaderIdempotentReplayed, "true")
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}
