package agent

import (
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/agent/owner"
)

// saveEvery is how often the month's usage is written to the data
// directory while it grows; Run writes it once more when it ends.
const saveEvery = time.Minute

// usage keeps the relay's line traffic for the owner's quota across
// restarts, in usage.json.
type usage struct {
	dir string
	log *zap.Logger

	mu    sync.Mutex
	u     owner.Usage
	dirty bool
	saved time.Time
}

func loadUsage(dir string, log *zap.Logger) (*usage, error) {
	u, err := owner.LoadUsage(dir)
	if err != nil {
		return nil, err
	}
	return &usage{dir: dir, log: log, u: u}, nil
}

// add counts payload bytes relayed at now and returns the period's usage.
func (u *usage) add(now time.Time, resetDay int, payload int64) owner.Usage {
	u.mu.Lock()
	defer u.mu.Unlock()
	rolled := u.u.Roll(now, resetDay)
	if rolled != u.u || payload > 0 {
		u.dirty = true
	}
	u.u = rolled.Add(owner.LineBytes(payload))
	if u.dirty && now.Sub(u.saved) >= saveEvery {
		u.saveLocked(now)
	}
	return u.u
}

func (u *usage) current() owner.Usage {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.u
}

// save writes the usage if it changed since the last write.
func (u *usage) save(now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.dirty {
		u.saveLocked(now)
	}
}

func (u *usage) saveLocked(now time.Time) {
	if err := owner.SaveUsage(u.dir, u.u); err != nil {
		u.log.Warn("save monthly usage", zap.Error(err))
		return
	}
	u.dirty, u.saved = false, now
}
