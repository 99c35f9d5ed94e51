package gateway

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// SessionHeader names the session of an HTTP proxy request (CONNECT or
// forward): requests with the same value share an exit in sticky and
// strict modes. It is removed from forwarded requests.
const SessionHeader = "SpareLink-Session"

// sessionSep separates the account name from the session key in a proxy
// username: "buyer-session-abc" is user "buyer" in session "abc". On a
// gateway without credentials the whole username is the session key.
const sessionSep = "-session-"

// maxSessionKey bounds a session key.
const maxSessionKey = 128

var (
	// errBadCredentials means a client's proxy credentials do not match.
	errBadCredentials = errors.New("wrong proxy credentials")
	// errBadSession means a session key is empty, too long or holds
	// characters outside printable ASCII (or a colon, quote or backslash).
	errBadSession = errors.New("invalid session key")
)

// credentials checks a proxy username and password and returns the
// session key the username carries, "" for none.
func (g *Gateway) credentials(user string, pass []byte) (string, error) {
	name, session, hasSession := strings.Cut(user, sessionSep)
	if g.authRequired() && !credentialsMatch([]byte(name), pass, g.cfg.Username, g.cfg.Password) {
		return "", errBadCredentials
	}
	if !g.authRequired() && !hasSession {
		session = user
	}
	if (hasSession || !g.authRequired()) && !validSession(session) {
		return "", errBadSession
	}
	return session, nil
}

// validSession accepts 1 to maxSessionKey printable ASCII characters
// other than space, colon, quote and backslash.
func validSession(s string) bool {
	if s == "" || len(s) > maxSessionKey {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == ':' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// requestSession checks an HTTP proxy request's Proxy-Authorization and
// returns its session key: the SessionHeader field if present, else the
// one its username carries.
func (g *Gateway) requestSession(req *http.Request) (string, error) {
	user, pass, ok := basicCredentials(req.Header.Get("Proxy-Authorization"))
	var session string
	switch {
	case ok:
		s, err := g.credentials(user, []byte(pass))
		if err != nil {
			return "", err
		}
		session = s
	case g.authRequired():
		return "", errBadCredentials
	}
	if vals := req.Header.Values(SessionHeader); len(vals) > 0 {
		if len(vals) > 1 || !validSession(vals[0]) {
			return "", errBadSession
		}
		session = vals[0]
	}
	return session, nil
}

// basicCredentials decodes a "Basic" authorization value.
func basicCredentials(v string) (user, pass string, ok bool) {
	scheme, enc, found := strings.Cut(v, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}
