package budget

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/errbudget/errbudget/state"
)

// ErrClosed is returned by Snapshot after Close.
var ErrClosed = errors.New("budget: tracker closed")

// DefaultSnapshotInterval is how often Run snapshots when WithStore is given
// no interval.
const DefaultSnapshotInterval = 10 * time.Second

// MinSnapshotInterval is the shortest snapshot interval New accepts: each
// snapshot copies every series and syncs a file, which is not work to do
// many times a second.
const MinSnapshotInterval = time.Second

// WithStore keeps the tracker's state in s, so that a restart, a deploy or a
// crash does not reset the budget.
//
// New restores the saved state before it returns. Run takes a snapshot every
// interval (DefaultSnapshotInterval when zero; New rejects an interval below
// MinSnapshotInterval) and Close takes a final one: a clean shutdown loses
// nothing, a crash loses at most what was recorded since the last snapshot.
// A snapshot copies each series under its lock and saves outside every
// lock, so recording never waits for the store. When s is a
// state.ChangeSaver (FileStore, MemoryStore), a snapshot saves only what
// changed since the one before (see state.Changes).
//
// Restoring adapts the saved state to the declarations in force; each case
// is logged (WithLogger, else slog.Default):
//
//   - an objective no longer declared: its state is dropped;
//   - an objective newly declared: it starts empty;
//   - a changed target: the counts stay and the budget is recomputed;
//   - a changed window: counts outside the new window are dropped;
//   - a group beyond MaxGroups: its counts join the overflow group;
//   - a grouped objective made ungrouped: its groups' counts merge;
//     an ungrouped one made grouped: its counts are dropped;
//   - a changed kind or threshold: the counts stay as they were classified.
//
// A saved state that cannot be read never stops the tracker: the error is
// logged, the store sets the state aside (see state.Store) and the tracker
// starts fresh, or, when it could not be set aside, runs without saving over
// it. A failed save is logged and retried at the next interval. A
// state.FileStore is held by one tracker at a time (state.ErrInUse).
//
// A nil s means no persistence.
func WithStore(s state.Store, interval time.Duration) Option {
	return optionFunc(func(t *Tracker) {
		t.persist.store = s
		t.persist.every = interval
		if interval == 0 {
			t.persist.every = DefaultSnapshotInterval
		}
	})
}

// validate reports a snapshot interval New must reject.
func (p *persistence) validate() error {
	if p.store != nil && p.every < MinSnapshotInterval {
		return fmt.Errorf("budget: WithStore: snapshot interval %v is below the minimum of %v (0 means the default, %v)",
			p.every, MinSnapshotInterval, DefaultSnapshotInterval)
	}
	return nil
}

// persistence is the tracker's link to its store.
type persistence struct {
	store state.Store
	every time.Duration

	mu       sync.Mutex          // serialises snapshots; recording never takes it
	st       state.State         // the last snapshot, its slices reused
	ch       state.Changes       // how st differs from the snapshot before
	saved    bool                // st was saved: the next save may send only changes
	slots    []state.LatencySlot // capture's scratch
	closed   bool
	disabled error  // the saved state could not be read or set aside
	failing  bool   // the last save failed
	unlock   func() // releases the store New locked (state.FileStore)
	name     string // the store, for the log
}

func (t *Tracker) stateLogger() *slog.Logger {
	if t.logger != nil {
		return t.logger
	}
	return slog.Default()
}

// restore locks the store and loads the saved state into a new tracker
// (from New); whatever goes wrong is logged. It fails only when another
// tracker holds the store.
func (t *Tracker) restore() error {
	p := &t.persist
	if p.store == nil {
		return nil
	}
	log, name := t.stateLogger(), fmt.Sprintf("%T", p.store)
	if f, ok := p.store.(interface{ Path() string }); ok {
		name = f.Path()
	}
	p.name = name
	if l, ok := p.store.(interface {
		Lock(*slog.Logger) error
		Unlock()
	}); ok {
		switch err := l.Lock(log); {
		case errors.Is(err, state.ErrInUse):
			return err
		case err != nil:
			log.Warn("errbudget: cannot lock the state file; running without the lock (another process on this file would overwrite the counts)",
				"store", name, "err", err)
		default:
			p.unlock = l.Unlock
		}
	}
	now := t.now()
	st, err := p.store.Load()
	switch {
	case errors.Is(err, state.ErrNotFound):
		log.Info("errbudget: no saved state; starting fresh", "store", name)
	case errors.Is(err, state.ErrCorrupt):
		log.Error("errbudget: cannot read the saved state; it was set aside, starting fresh", "store", name, "err", err)
	case err != nil:
		p.disabled = fmt.Errorf("budget: not saving state: the saved state could not be read (%v) and would be overwritten", err)
		log.Error("errbudget: cannot read the saved state; starting fresh, leaving it in place and not saving so as not to overwrite it",
			"store", name, "err", err)
	default:
		t.applyState(st, now, log)
	}
	return nil
}

// Snapshot saves the tracker's state to its store now. Run calls it every
// snapshot interval and Close once more; an application may call it at
// other times too (before a risky operation). Failures are logged as well
// as returned. It returns an error when the tracker has no store, and
// ErrClosed after Close.
func (t *Tracker) Snapshot() error {
	p := &t.persist
	if p.store == nil {
		return errors.New("budget: Snapshot: the tracker has no store (WithStore)")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	return t.saveLocked()
}

// Close takes a final snapshot and stops further ones, then releases the
// store's file for the next process (FileStore); it returns the snapshot's
// error. Call it after the last event has been recorded (after the server's
// Shutdown returns). A tracker without a store has nothing to close. Close
// is idempotent; the tracker keeps counting and reporting after it, but
// saves nothing more.
func (t *Tracker) Close() error {
	p := &t.persist
	if p.store == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	err := t.saveLocked()
	if p.unlock != nil {
		p.unlock()
		p.unlock = nil
	}
	return err
}

// saveLocked captures and saves a snapshot. p.mu is held.
func (t *Tracker) saveLocked() error {
	p := &t.persist
	log := t.stateLogger()
	if p.disabled != nil {
		return p.disabled
	}
	t.capture(&p.st, &p.ch)
	var err error
	if cs, ok := p.store.(state.ChangeSaver); ok {
		ch := &p.ch
		if !p.saved {
			ch = nil // the store may not hold the state these changes follow
		}
		err = cs.SaveChanges(&p.st, ch)
	} else {
		err = p.store.Save(&p.st)
	}
	p.saved = err == nil
	if err != nil {
		p.failing = true
		log.Error("errbudget: saving the state failed", "store", p.name, "err", err)
		return fmt.Errorf("budget: saving the state: %w", err)
	}
	if p.failing {
		p.failing = false
		log.Info("errbudget: saving the state works again", "store", p.name)
	}
	return nil
}
