package gateway

import (
	"sync"
	"time"
)

// sessions maps session keys to sessions, bounded in age, idleness and
// number.
type sessions struct {
	cfg SessionConfig
	mu  sync.Mutex
	m   map[string]*session
}

func newSessions(cfg SessionConfig) *sessions {
	return &sessions{cfg: cfg, m: make(map[string]*session)}
}

// get returns the live session for key, starting a new one when there is
// none or the old one expired, and marks it used at now.
func (t *sessions) get(key string, now time.Time) *session {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.m[key]
	if ok && !t.expired(s, now) {
		s.mu.Lock()
		s.used = now
		s.mu.Unlock()
		return s
	}
	if !ok && len(t.m) >= t.cfg.Max {
		t.evict(now)
	}
	s = &session{began: now, used: now}
	t.m[key] = s
	return s
}

func (t *sessions) expired(s *session, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Sub(s.began) >= t.cfg.TTL || now.Sub(s.used) >= t.cfg.Idle
}

// evict forgets expired sessions, or if none has expired the least
// recently used one.
func (t *sessions) evict(now time.Time) {
	var lru string
	var oldest time.Time
	for k, s := range t.m {
		if t.expired(s, now) {
			delete(t.m, k)
			continue
		}
		s.mu.Lock()
		used := s.used
		s.mu.Unlock()
		if lru == "" || used.Before(oldest) {
			lru, oldest = k, used
		}
	}
	if len(t.m) >= t.cfg.Max && lru != "" {
		delete(t.m, lru)
	}
}

// len counts the sessions held, expired or not.
func (t *sessions) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}
