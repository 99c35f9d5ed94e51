package client

import "github.com/sparelink/sparelink/broker/api"

// Sentinel errors, one per problem code: errors.Is(err, ErrNotFound) holds
// for an *Error whose Code is api.CodeNotFound, however it is wrapped. Use
// errors.As with *Error for the status, detail and request ID.
var (
	ErrInvalidRequest        = &Error{Code: api.CodeInvalidRequest}
	ErrUnauthorized          = &Error{Code: api.CodeUnauthorized}
	ErrForbidden             = &Error{Code: api.CodeForbidden}
	ErrNotFound              = &Error{Code: api.CodeNotFound}
	ErrConflict              = &Error{Code: api.CodeConflict}
	ErrInsufficientFunds     = &Error{Code: api.CodeInsufficientFunds}
	ErrKeyLimitReached       = &Error{Code: api.CodeKeyLimitReached}
	ErrIdempotencyMismatch   = &Error{Code: api.CodeIdempotencyMismatch}
	ErrIdempotencyInProgress = &Error{Code: api.CodeIdempotencyInProgress}
	ErrNoSupply              = &Error{Code: api.CodeNoSupply}
	ErrRateLimited           = &Error{Code: api.CodeRateLimited}
	ErrInternal              = &Error{Code: api.CodeInternal}
)

// Is reports whether target is the sentinel of e's problem code, so that
// errors.Is(err, ErrNoSupply) reads as the branch it is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == 0 && t.Code != "" && t.Code == e.Code
}
