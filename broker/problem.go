package broker

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// problem is an error that becomes an application/problem+json response.
// Handlers return it for anything the caller did wrong; any other error is
// reported as internal without details.
type problem struct {
	status int
	code   string
	detail string
	err    error // cause, for logs; never sent
}

func (p *problem) Error() string {
	if p.err != nil {
		return fmt.Sprintf("%s: %s: %v", p.code, p.detail, p.err)
	}
	return p.code + ": " + p.detail
}

func (p *problem) Unwrap() error { return p.err }

func newProblem(status int, code, format string, args ...any) *problem {
	return &problem{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *problem {
	return newProblem(http.StatusBadRequest, api.CodeInvalidRequest, format, args...)
}

func unauthorized(format string, args ...any) *problem {
	return newProblem(http.StatusUnauthorized, api.CodeUnauthorized, format, args...)
}

func forbidden(format string, args ...any) *problem {
	return newProblem(http.StatusForbidden, api.CodeForbidden, format, args...)
}

func notFound(format string, args ...any) *problem {
	return newProblem(http.StatusNotFound, api.CodeNotFound, format, args...)
}

func conflict(format string, args ...any) *problem {
	return newProblem(http.StatusConflict, api.CodeConflict, format, args...)
}

// storeProblem maps the store's sentinel errors to problems; what names the
// object for the detail. Other errors pass through and become internal.
func storeProblem(err error, what string) error {
	var p *problem
	switch {
	case err == nil:
		return nil
	case errors.As(err, &p):
		return p
	case errors.Is(err, store.ErrNotFound):
		p = notFound("%s not found", what)
	case errors.Is(err, store.ErrConflict):
		p = conflict("%s conflicts with an existing one", what)
	case errors.Is(err, store.ErrKeyLimit):
		p = newProblem(http.StatusPaymentRequired, api.CodeKeyLimitReached, "this API key's spend or byte limit would be exceeded")
	case errors.Is(err, store.ErrInsufficientFunds):
		p = newProblem(http.StatusPaymentRequired, api.CodeInsufficientFunds, "available balance does not cover the hold")
	case errors.Is(err, store.ErrIdempotencyMismatch):
		p = newProblem(http.StatusUnprocessableEntity, api.CodeIdempotencyMismatch, "Idempotency-Key was used with a different request")
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
	p.err = err
	return p
}

// toProblem turns any handler error into the problem sent to the client.
func toProblem(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &problem{status: http.StatusRequestEntityTooLarge, code: api.CodeInvalidRequest,
			detail: fmt.Sprintf("body exceeds %d bytes", tooBig.Limit), err: err}
	}
	return &problem{status: http.StatusInternalServerError, code: api.CodeInternal,
		detail: "the broker failed to handle the request", err: err}
}

// writeProblem sends p, naming the request by the ID instrument put in
// w's header.
func writeProblem(w http.ResponseWriter, p *problem) {
	body := api.Problem{
		Type:      api.ProblemTypePrefix + p.code,
		Title:     http.StatusText(p.status),
		Status:    p.status,
		Detail:    p.detail,
		Code:      p.code,
		RequestID: w.Header().Get(api.HeaderRequestID),
	}
	w.Header().Set("Content-Type", api.ProblemContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.status)
	_ = json.NewEncoder(w).Encode(body)
}

// refuse returns an error wrapping errRefused, for a receipt the sender
// got wrong.
func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errRefused}, args...)...)
}
