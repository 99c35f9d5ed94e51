package broker_test

import (
	"context"
	"errors"
	"sync"

	"github.com/sparelink/sparelink/broker/store"
)

// errInjected is the failure faultyStore injects.
var errInjected = errors.New("injected store failure")

// faultyStore is the real store with faults injected into CreateAccount:
// the next fails calls fail, and while a gate is set each call first
// signals entered and then waits for the gate to open.
type faultyStore struct {
	store.Store

	mu      sync.Mutex
	fails   int
	gate    chan struct{}
	entered chan struct{}
}

func (s *faultyStore) CreateAccount(ctx context.Context, a store.Account) error {
	s.mu.Lock()
	gate, entered := s.gate, s.entered
	fail := s.fails > 0
	if fail {
		s.fails--
	}
	s.mu.Unlock()
	if gate != nil {
		entered <- struct{}{}
		<-gate
	}
	if fail {
		return errInjected
	}
	return s.Store.CreateAccount(ctx, a)
}

// failNext makes the next n CreateAccount calls fail.
func (s *faultyStore) failNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = n
}

// hold makes CreateAccount calls wait until the returned function is
// called; each call signals on entered first.
func (s *faultyStore) hold() (entered <-chan struct{}, open func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate, s.entered = make(chan struct{}), make(chan struct{}, 16)
	gate := s.gate
	return s.entered, func() {
		s.mu.Lock()
		s.gate = nil
		s.mu.Unlock()
		close(gate)
	}
}
