package egresstable

import (
	"errors"
	"fmt"
	"slices"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/relay/egress"
)

// refusalTypes are the RFC 9209 error types of a refusal before any dial:
// the policy refused, or the host was malformed. Anything else (refused,
// timed out, unroutable, internal error) means a dial was attempted.
var refusalTypes = []string{"destination_ip_prohibited", "destination_not_found", "http_request_error"}

func policyRefusal(err error) error {
	if !errors.Is(err, egress.ErrDenied) && !errors.Is(err, egress.ErrInvalidHost) {
		return fmt.Errorf("got %v, want a refusal by the policy (ErrDenied or ErrInvalidHost)", err)
	}
	if errors.Is(err, errTripwire) {
		return fmt.Errorf("got %v: the policy let a socket through", err)
	}
	return nil
}

func exitRefusal(err error) error {
	var pe *exitdial.ProxyError
	if !errors.As(err, &pe) || !slices.Contains(refusalTypes, pe.Type) {
		return fmt.Errorf("got %v, want a CONNECT refusal with Proxy-Status error in %q", err, refusalTypes)
	}
	return nil
}

func httpRefusal(err error) error {
	var pe *proxyError
	if !errors.As(err, &pe) || !slices.Contains(refusalTypes, pe.errorType) {
		return fmt.Errorf("got %v, want a proxy refusal with Proxy-Status error in %q", err, refusalTypes)
	}
	return nil
}
