package status

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/owner"
)

// maxBody bounds a request body: a settings document is far smaller.
const maxBody = 64 << 10

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", s.authed(s.getStatus))
	mux.HandleFunc("GET /v1/settings", s.authed(s.getSettings))
	mux.HandleFunc("PUT /v1/settings", s.authed(s.putSettings))
	mux.HandleFunc("POST /v1/pause", s.authed(s.pause(true)))
	mux.HandleFunc("POST /v1/resume", s.authed(s.pause(false)))
	mux.HandleFunc("/v1/", s.authed(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "no such endpoint")
	}))
	if s.cfg.Dashboard != nil {
		mux.Handle("/", s.cfg.Dashboard)
	}
	return localOnly(mux)
}

// localOnly refuses requests whose Host is not a loopback name or
// address, so that a web page cannot reach the API by rebinding its own
// name to 127.0.0.1.
func localOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			problem(w, http.StatusMisdirectedRequest, "the status API answers only to localhost and loopback addresses")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// authed serves h only for requests carrying the token.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	want := []byte(s.cfg.Token)
	return func(w http.ResponseWriter, r *http.Request) {
		got, ok := BearerToken(r.Header.Get("Authorization"))
		if !ok || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sparelink-agent"`)
			problem(w, http.StatusUnauthorized, "missing or wrong token: see `sparelink-agent dashboard`")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r)
	}
}

// BearerToken extracts the token of an Authorization header value.
func BearerToken(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != "" && !strings.ContainsAny(tok, " \t")
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Status(r.Context()))
}

func (s *Server) getSettings(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Controls.Settings())
}

// putSettings replaces the settings with the document in the body; fields
// it leaves out take their zero value.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		problem(w, http.StatusRequestEntityTooLarge, "settings document too large")
		return
	}
	next, err := owner.Decode(body, owner.Settings{})
	if err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	s.update(w, func(st *owner.Settings) error { *st = next; return nil })
}

func (s *Server) pause(paused bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		s.update(w, func(st *owner.Settings) error { st.Paused = paused; return nil })
	}
}

func (s *Server) update(w http.ResponseWriter, edit func(*owner.Settings) error) {
	st, err := s.cfg.Controls.Update(edit)
	switch {
	case errors.Is(err, owner.ErrInvalid):
		problem(w, http.StatusBadRequest, err.Error())
	case err != nil:
		s.log.Error("save owner settings", zap.Error(err))
		problem(w, http.StatusInternalServerError, "could not save the settings")
	default:
		writeJSON(w, http.StatusOK, st)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Problem is an error answer (RFC 9457 problem details).
type Problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func problem(w http.ResponseWriter, code int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(Problem{Title: http.StatusText(code), Status: code, Detail: detail})
}
