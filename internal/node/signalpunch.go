package node

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/relay/punch"
)

// Handle answers a "signal" command in the background, so that the
// control channel is not held up while candidates are gathered: it
// gathers, posts the answer, runs the checks and serves the exit on the
// punched path. Use it as (or from) Config.Commands; other types return
// ErrNotSignal.
func (t *Traversal) Handle(ctx context.Context, c api.Command) error {
	if c.Type != api.CommandSignal {
		return ErrNotSignal
	}
	var o api.SignalOffer
	if err := json.Unmarshal(c.Data, &o); err != nil || o.SignalID == "" {
		return fmt.Errorf("malformed signal command %d: %v", c.ID, err)
	}
	if !t.admit() {
		return t.refuse(ctx, o, "busy: too many punched paths")
	}
	t.wg.Add(1)
	go t.answer(o)
	return nil
}

// answer gathers, posts the answer and goes on to connect.
func (t *Traversal) answer(o api.SignalOffer) {
	defer t.wg.Done()
	handedOver := false
	defer func() {
		if !handedOver {
			t.note(func() { t.pending-- })
		}
	}()
	ctx, cancel := context.WithTimeout(t.ctx, answerTimeout)
	defer cancel()
	sess, err := punch.New(t.cfg.Punch, t.log)
	if err != nil {
		t.log.Warn("start ICE", zap.Error(err))
		_ = t.refuse(ctx, o, "cannot start ICE")
		return
	}
	local, err := sess.Local(ctx)
	if err == nil {
		err = t.n.cfg.Broker.AnswerSignal(ctx, t.n.ID(), api.SignalAnswer{SignalID: o.SignalID, Answer: toAPI(local)})
	}
	if err != nil {
		_ = sess.Close()
		t.log.Info("answer signal", zap.String("lease", o.LeaseID), zap.Error(err))
		return
	}
	handedOver = true
	t.wg.Add(1)
	go t.connect(sess, o)
}

// answerTimeout bounds gathering and posting an answer; the buyer's
// request gives up sooner.
const answerTimeout = 10 * time.Second

// admit reports whether another path fits, counting those open and
// those still being set up, and if so counts the new one as pending.
func (t *Traversal) admit() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.paths)+t.pending >= t.cfg.MaxPaths || t.ctx.Err() != nil {
		return false
	}
	t.pending++
	return true
}

func (t *Traversal) refuse(ctx context.Context, o api.SignalOffer, why string) error {
	err := t.n.cfg.Broker.AnswerSignal(ctx, t.n.ID(), api.SignalAnswer{SignalID: o.SignalID, Error: why})
	if err != nil {
		return fmt.Errorf("refuse signal %s: %w", o.SignalID, err)
	}
	return nil
}

// connect runs the checks for one offer and serves the exit on the path
// until it ends.
func (t *Traversal) connect(sess *punch.Session, o api.SignalOffer) {
	defer t.wg.Done()
	defer sess.Close()
	pc, err := sess.Connect(t.ctx, fromAPI(o.Offer), false)
	t.note(func() { t.pending-- })
	if err != nil {
		t.note(func() { t.failed++ })
		t.log.Info("no punched path", zap.String("lease", o.LeaseID), zap.Error(err))
		return
	}
	if !t.track(pc) {
		return
	}
	defer t.untrack(pc)
	if err := t.n.exit.ServePacketConn(pc); err != nil {
		t.log.Warn("serve punched path", zap.Error(err))
		return
	}
	t.log.Info("serving a punched path", zap.String("lease", o.LeaseID), zap.String("pair", pc.Pair()))
	select {
	case <-pc.Done():
	case <-t.ctx.Done():
	}
}

func (t *Traversal) track(pc *punch.PacketConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx.Err() != nil {
		return false
	}
	t.paths[pc] = pc.Pair()
	t.punched++
	return true
}

func (t *Traversal) untrack(pc *punch.PacketConn) {
	t.note(func() { delete(t.paths, pc) })
}

func (t *Traversal) note(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f()
}

func toAPI(d punch.Description) *api.ICEDescription {
	return &api.ICEDescription{Ufrag: d.Ufrag, Pwd: d.Pwd, Candidates: d.Candidates}
}

func fromAPI(d api.ICEDescription) punch.Description {
	return punch.Description{Ufrag: d.Ufrag, Pwd: d.Pwd, Candidates: d.Candidates}
}
