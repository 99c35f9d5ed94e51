package broker

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// The control channel: a node, which may sit behind NAT, long-polls GET
// /v1/nodes/{id}/commands for what the broker wants of it (revocations
// now; WireGuard peers and NAT-traversal signalling as they land).
// Commands live in the store, so any replica can answer; a replica wakes
// its own waiting polls at once and rereads the store every
// commandRecheck for commands queued through other replicas.

// Control channel limits.
const (
	maxCommandWait  = 25 * time.Second
	commandWait     = 20 // seconds the broker asks nodes to wait
	commandRecheck  = time.Second
	maxCommandBatch = 100
)

// nodeCommands answers a node's long poll.
func (b *Broker) nodeCommands(w http.ResponseWriter, r *http.Request, p principal) error {
	after, wait, err := commandQuery(r)
	if err != nil {
		return err
	}
	n, err := b.st.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeProblem(err, "node")
	}
	if !p.owns(n.OperatorID) {
		return forbidden("node %s belongs to another operator", n.ID)
	}
	if after > 0 {
		if err := b.st.AckCommands(r.Context(), n.ID, after, b.now()); err != nil {
			return storeProblem(err, "acknowledge commands")
		}
	}
	cmds, err := b.awaitCommands(r.Context(), n.ID, after, wait)
	if err != nil {
		return storeProblem(err, "commands")
	}
	out := api.CommandBatch{Commands: make([]api.Command, 0, len(cmds)), Next: after, WaitSeconds: commandWait}
	for _, c := range cmds {
		out.Commands = append(out.Commands, api.Command{
			ID: c.ID, Type: c.Type, CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt, Data: c.Payload,
		})
		out.Next = max(out.Next, c.ID)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// commandQuery reads after (a command ID, default 0) and wait (seconds,
// 0 to 25, default 0).
func commandQuery(r *http.Request) (after int64, wait time.Duration, err error) {
	q := r.URL.Query()
	if s := q.Get("after"); s != "" {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil || after < 0 {
			return 0, 0, badRequest("after must be a command ID")
		}
	}
	if s := q.Get("wait"); s != "" {
		secs, err := strconv.Atoi(s)
		if err != nil || secs < 0 || time.Duration(secs)*time.Second > maxCommandWait {
			return 0, 0, badRequest("wait must be from 0 to %d seconds", int(maxCommandWait/time.Second))
		}
		wait = time.Duration(secs) * time.Second
	}
	return after, wait, nil
}

// awaitCommands returns the node's commands after after, waiting up to
// wait for the first one.
func (b *Broker) awaitCommands(ctx context.Context, nodeID string, after int64, wait time.Duration) ([]store.Command, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		wake := b.wakers.channel(nodeID)
		cmds, err := b.st.Commands(ctx, nodeID, after, b.now(), maxCommandBatch)
		if err != nil || len(cmds) > 0 {
			return cmds, err
		}
		recheck := time.NewTimer(commandRecheck)
		select {
		case <-wake:
		case <-recheck.C:
		case <-deadline.C:
			recheck.Stop()
			return nil, nil
		case <-ctx.Done():
			recheck.Stop()
			return nil, nil
		}
		recheck.Stop()
	}
}

// command queues a command for a node and wakes its poll on this
// replica. It only logs failures: every command has a slower backstop
// (revocations are repeated in heartbeat answers).
func (b *Broker) command(ctx context.Context, nodeID, typ string, data any, expires time.Time) {
	raw, err := json.Marshal(data)
	if err == nil {
		_, err = b.st.QueueCommand(context.WithoutCancel(ctx), store.Command{
			NodeID: nodeID, Type: typ, Payload: raw, CreatedAt: b.now(), ExpiresAt: expires,
		})
	}
	if err != nil {
		b.log.Warn("queue node command", zap.String("node", nodeID), zap.String("type", typ), zap.Error(err))
		return
	}
	b.wakers.wake(nodeID)
}

// ended tells a lease's exits at once that it ended, so they stop it
// before their next heartbeat.
func (b *Broker) ended(ctx context.Context, l store.Lease) {
	until := minTime(l.ExpiresAt, b.now().Add(b.cfg.TokenTTL))
	for _, id := range l.NodeIDs {
		b.command(ctx, id, api.CommandRevoke, api.Revocation{LeaseID: l.ID, Until: until}, until)
	}
}

// wakers lets QueueCommand on this replica wake the polls waiting here.
type wakers struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func newWakers() *wakers { return &wakers{m: make(map[string]chan struct{})} }

// channel returns a channel closed at the node's next wake.
func (w *wakers) channel(nodeID string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.m[nodeID]
	if !ok {
		c = make(chan struct{})
		w.m[nodeID] = c
	}
	return c
}

func (w *wakers) wake(nodeID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.m[nodeID]; ok {
		close(c)
		delete(w.m, nodeID)
	}
}
