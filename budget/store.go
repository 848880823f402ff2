package budget

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Store keeps the tracker's latest snapshot (see WithStore). The tracker
// encodes snapshots itself, in a versioned and checksummed format (see
// SnapshotVersion), so a Store only moves bytes: FileStore keeps them in a
// file, MemoryStore in memory, and an application may keep them anywhere
// else.
//
// The tracker calls a Store from one goroutine at a time.
type Store interface {
	// Load returns the bytes last saved, or an error wrapping ErrNoState
	// when nothing has been saved, or wrapping ErrCorruptState when what is
	// there can never be a state (a directory, say) and should be set aside.
	// Any other error (permissions, I/O) leaves the saved state untouched:
	// the tracker starts fresh and saves nothing over it.
	Load() ([]byte, error)
	// Save replaces the saved bytes with b, atomically: whatever happens
	// during Save, a later Load returns the old bytes or the new ones,
	// never a mix. Save must not keep b after it returns.
	Save(b []byte) error
	// SetAside keeps the saved bytes out of the way after the tracker found
	// them unreadable, so that the next Save does not overwrite them, and
	// says where they went. It fails when they cannot be moved; the tracker
	// then saves nothing rather than destroy them.
	SetAside() (where string, err error)
}

// ErrNoState is returned by Store.Load when nothing has been saved.
var ErrNoState = errors.New("budget: no saved state")

// ErrClosed is returned by Snapshot after Close.
var ErrClosed = errors.New("budget: tracker closed")

// DefaultSnapshotInterval is how often Run snapshots when WithStore is given
// no interval.
const DefaultSnapshotInterval = 10 * time.Second

// MinSnapshotInterval is the shortest snapshot interval New accepts: each
// snapshot encodes every series and syncs a file, which is not work to do
// many times a second.
const MinSnapshotInterval = time.Second

// WithStore keeps the tracker's state in s, so that a restart, a deploy or a
// crash does not reset the budget.
//
// New restores the saved state before it returns. Run takes a snapshot every
// interval (DefaultSnapshotInterval when zero; New rejects an interval below
// MinSnapshotInterval) and Close takes a final one: a clean shutdown loses
// nothing, a crash loses at most what was recorded since the last snapshot. A snapshot copies each series under its
// lock and writes outside every lock, so recording never waits for the
// store.
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
// A saved state that cannot be read (truncated, damaged, empty, from a newer
// version, not a file) never stops the tracker: the error is logged, the
// store sets the bad state aside (FileStore renames it with a timestamp),
// and the tracker starts fresh. When it cannot be set aside, the tracker
// runs without saving, so as not to overwrite it. A snapshot that fails to
// save is logged and retried at the next interval.
//
// A FileStore is held by one tracker at a time: New waits a bounded time for
// a file that another process holds and then fails with an error wrapping
// ErrStateInUse (see FileStore); Close releases it.
//
// A nil s means no persistence.
func WithStore(s Store, interval time.Duration) Option {
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
	store Store
	every time.Duration

	mu       sync.Mutex // serialises snapshots; recording never takes it
	enc      encoder
	scratch  seriesState
	closed   bool
	disabled error       // the unreadable state could not be set aside
	failing  bool        // the last save failed
	locked   stateLocker // the store New locked; Close unlocks it
}

func (t *Tracker) stateLogger() *slog.Logger {
	if t.logger != nil {
		return t.logger
	}
	return slog.Default()
}

// restore locks the store and loads the saved state into a new tracker
// (from New). It fails only when another tracker holds the store.
func (t *Tracker) restore() error {
	p := &t.persist
	if p.store == nil {
		return nil
	}
	log := t.stateLogger()
	if l, ok := p.store.(stateLocker); ok {
		switch err := l.lockState(log); {
		case errors.Is(err, ErrStateInUse):
			return err
		case err != nil:
			log.Warn("errbudget: cannot lock the state file; running without the lock (another process on this file would overwrite the counts)",
				"store", storeName(p.store), "err", err)
		default:
			p.locked = l
		}
	}
	t.load(log)
	return nil
}

// load reads and applies the saved state; whatever goes wrong is logged.
func (t *Tracker) load(log *slog.Logger) {
	p := &t.persist
	now := t.now()
	b, err := p.store.Load()
	if errors.Is(err, ErrNoState) {
		log.Info("errbudget: no saved state; starting fresh", "store", storeName(p.store))
		return
	}
	if err != nil && !errors.Is(err, ErrCorruptState) {
		// The state could not be read (permissions, I/O, too many open
		// files): it may be perfectly good. Leave it alone, and save
		// nothing over it.
		p.disabled = fmt.Errorf("budget: not saving state: the saved state could not be read (%v) and would be overwritten", err)
		log.Error("errbudget: cannot read the saved state; starting fresh, leaving it untouched and not saving",
			"store", storeName(p.store), "err", err)
		return
	}
	var st *stateData
	if err == nil {
		st, err = decodeState(b)
	}
	if err != nil {
		where, aerr := p.store.SetAside()
		if aerr != nil {
			p.disabled = fmt.Errorf("budget: not saving state: the unreadable saved state could not be set aside (%v) and would be overwritten", aerr)
			log.Error("errbudget: cannot read the saved state; starting fresh, and not saving so as not to overwrite it",
				"store", storeName(p.store), "err", err, "set_aside_err", aerr)
			return
		}
		log.Error("errbudget: cannot read the saved state; it was set aside, starting fresh",
			"store", storeName(p.store), "err", err, "set_aside", where)
		return
	}
	t.applyState(st, now, log)
}

func storeName(s Store) string {
	if f, ok := s.(*FileStore); ok {
		return f.path
	}
	return fmt.Sprintf("%T", s)
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
	if p.locked != nil {
		p.locked.unlockState()
		p.locked = nil
	}
	return err
}

// saveLocked encodes and saves a snapshot. p.mu is held.
func (t *Tracker) saveLocked() error {
	p := &t.persist
	log := t.stateLogger()
	if p.disabled != nil {
		return p.disabled
	}
	now := t.now()
	t.refreshCorrections(now)
	p.enc.begin(now, t.droppedPast.Load(), t.droppedFuture.Load(), t.Corrections(), len(t.slos))
	for _, slo := range t.slos {
		series := slo.AllSeries()
		p.enc.objective(&slo.decl, len(series))
		for _, s := range series {
			s.mu.Lock()
			s.captureLocked(&p.scratch)
			s.mu.Unlock()
			p.enc.series(&p.scratch)
		}
	}
	p.enc.sections(t.sections())
	b := p.enc.finish()
	if err := p.store.Save(b); err != nil {
		p.failing = true
		log.Error("errbudget: saving the state failed", "store", storeName(p.store), "err", err)
		return fmt.Errorf("budget: saving the state: %w", err)
	}
	if p.failing {
		p.failing = false
		log.Info("errbudget: saving the state works again", "store", storeName(p.store))
	}
	return nil
}

// FileStore keeps the snapshot in one file, replaced atomically at each
// save: the snapshot goes to a temporary file in the same directory, which
// is synced, renamed over the old file, and the directory synced, so that a
// crash or a power cut at any moment leaves the old snapshot or the new
// one.
//
// One process at a time may use a file. New takes an advisory lock on it
// (a file beside it, the path with ".lock" appended, which holds the
// holder's pid and stays there) and Close releases it; the system releases
// it too when the process dies. A New that finds the file held waits for it
// (WithLockWait; DefaultLockWait by default), so that a restart on the same
// host works while the old process still saves, then fails with an error
// wrapping ErrStateInUse that names the file and the holder's pid. Where no
// lock can be taken (a directory the process cannot write, a platform
// without file locks), New logs a warning and runs without it.
//
// A path that is a symbolic link stays one: saves write through it to its
// target (the temporary file goes beside the target and is renamed over
// it), and a damaged target is set aside beside itself.
//
// Load reads the header first and refuses a file that is not a snapshot,
// or whose size disagrees with its header, without reading the rest.
//
// Create one with NewFileStore. It is safe for concurrent use.
type FileStore struct {
	path     string
	lockWait time.Duration
	mu       sync.Mutex
	now      func() time.Time // for set-aside names; time.Now
	lock     *os.File         // held between New and Close (filelock.go)
}

// NewFileStore returns a store that keeps the snapshot in the file at path.
// The directory must exist. Nothing is read or written until the tracker
// loads or saves.
func NewFileStore(path string, opts ...FileStoreOption) *FileStore {
	f := &FileStore{path: path, now: time.Now, lockWait: DefaultLockWait}
	for _, o := range opts {
		o.applyFileStore(f)
	}
	return f
}

// Path returns the file's path.
func (f *FileStore) Path() string { return f.path }

// Load reads the file: its header, then as many bytes as the header says
// when they are what the file holds. It removes temporary files that an
// interrupted save left behind.
func (f *FileStore) Load() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target, err := resolveLink(f.path)
	if err != nil {
		return nil, err
	}
	removeTemps(target)
	file, err := os.Open(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoState, f.path)
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	fi, err := file.Stat()
	switch {
	case err != nil:
		return nil, err
	case fi.IsDir():
		return nil, fmt.Errorf("%w: state file %s is a directory", ErrCorruptState, f.path)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%w: state file %s is not a regular file (%v)", ErrCorruptState, f.path, fi.Mode().Type())
	}
	return readSnapshot(file, fi.Size())
}

// tempPrefix says where the temporary files of a save to target go.
func tempPrefix(target string) (dir, prefix string) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	return dir, "." + base + ".tmp-"
}

func removeTemps(target string) {
	dir, prefix := tempPrefix(target)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Save writes b to a temporary file beside the file (beside the link's
// target, when the path is a symbolic link), syncs it, renames it over the
// file and syncs the directory.
func (f *FileStore) Save(b []byte) (err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target, err := resolveLink(f.path)
	if err != nil {
		return err
	}
	dir, prefix := tempPrefix(target)
	tmp, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil // directories cannot be synced there; rename is durable enough
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil // the rename happened; only its durability is unknown
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("budget: syncing directory %s: %w", dir, err)
	}
	return nil
}

// SetAside renames the file to path.bad-<UTC time>, next to it (the link's
// target, next to the target, when the path is a symbolic link; the link
// stays). A directory in the file's place is left where it is.
func (f *FileStore) SetAside() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target, err := resolveLink(f.path)
	if err != nil {
		return "", err
	}
	fi, err := os.Lstat(target)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return "", fmt.Errorf("%s is a directory; left in place", f.path)
	}
	base := target + ".bad-" + f.now().UTC().Format("20060102T150405Z")
	aside := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = base + "-" + strconv.Itoa(i)
	}
	if err := os.Rename(target, aside); err != nil {
		return "", err
	}
	return aside, nil
}

// MemoryStore keeps the snapshot in memory: for tests, and for restarting a
// tracker within one process. The zero value is an empty store, ready to
// use; it is safe for concurrent use.
type MemoryStore struct {
	mu    sync.Mutex
	data  []byte
	saved bool
	aside [][]byte
}

// Load returns a copy of the bytes last saved.
func (m *MemoryStore) Load() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.saved {
		return nil, ErrNoState
	}
	return append([]byte(nil), m.data...), nil
}

// Save keeps a copy of b.
func (m *MemoryStore) Save(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data = append(m.data[:0], b...)
	m.saved = true
	return nil
}

// SetAside moves the saved bytes to the list Aside returns.
func (m *MemoryStore) SetAside() (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.saved {
		return "", ErrNoState
	}
	m.aside = append(m.aside, m.data)
	m.data, m.saved = nil, false
	return "memory #" + strconv.Itoa(len(m.aside)), nil
}

// Bytes returns a copy of the bytes last saved; nil when none were.
func (m *MemoryStore) Bytes() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.saved {
		return nil
	}
	return append([]byte(nil), m.data...)
}

// Aside returns what SetAside moved away, oldest first.
func (m *MemoryStore) Aside() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.aside...)
}
