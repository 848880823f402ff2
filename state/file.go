package state

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FileStore keeps the state in one file, replaced atomically at each
// save: the snapshot goes to a temporary file in the same directory, which
// is synced, renamed over the old file, and the directory synced, so that a
// crash or a power cut at any moment leaves the old snapshot or the new
// one.
//
// One process at a time may use a file: budget.New locks it (Lock) and
// Tracker.Close unlocks it, waiting for a process that still holds it up to
// the lock wait (WithLockWait), then failing with ErrInUse.
//
// A path that is a symbolic link stays one: saves write through it to its
// target (the temporary file goes beside the target and is renamed over
// it), and a damaged target is set aside beside itself.
//
// Load reads the header first and refuses a file that is not a snapshot,
// or whose size disagrees with its header, without reading the rest. It
// renames a file it cannot read to path.bad-<UTC time>, beside it, so that
// the next Save does not overwrite it.
//
// Create one with NewFileStore. It is safe for concurrent use.
type FileStore struct {
	path     string
	lockWait time.Duration
	mu       sync.Mutex
	now      func() time.Time // for set-aside names; time.Now
	lock     *os.File         // held between Lock and Unlock (filelock.go)
	buf      []byte           // the last Save's encoding, reused

	// The base and log this store wrote last (log.go).
	last     *State // the State of the last successful save (compared, never read); nil after a failure
	baseLen  int
	baseTail [trailer]byte // the base's checksum
	logLen   int           // the log's size; 0 when there is none
}

// NewFileStore returns a store that keeps the state in the file at path.
// The directory must exist. Nothing is read or written until the tracker
// loads or saves.
func NewFileStore(path string, opts ...Option) *FileStore {
	f := &FileStore{path: path, now: time.Now, lockWait: DefaultLockWait}
	for _, o := range opts {
		o.apply(f)
	}
	return f
}

// Path returns the file's path.
func (f *FileStore) Path() string { return f.path }

// Load reads and decodes the file, and sets it aside when it cannot be
// decoded. It removes temporary files that an interrupted save left behind.
func (f *FileStore) Load() (*State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	target, err := resolveLink(f.path)
	if err != nil {
		return nil, err
	}
	removeTemps(target)
	b, err := readFile(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNotFound, f.path)
	}
	st := new(State)
	if err == nil {
		err = st.UnmarshalBinary(b)
	}
	if errors.Is(err, ErrCorrupt) {
		aside, aerr := f.setAside(target)
		if aerr != nil {
			return nil, fmt.Errorf("state: %s is unreadable (%v) and could not be set aside: %w", f.path, err, aerr)
		}
		os.Rename(target+logSuffix, aside+logSuffix) // the log goes with its base
		return nil, fmt.Errorf("%w; set aside as %s", err, aside)
	}
	if err != nil {
		return nil, err
	}
	return st, f.loadLog(st, b, target+logSuffix)
}

// loadLog applies the log at path to st, loaded from the snapshot base.
// A stale log is removed; a damaged one is set aside, with the records
// before the damage applied. f.mu is held.
func (f *FileStore) loadLog(st *State, base []byte, path string) error {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: reading the log: %w", err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return fmt.Errorf("state: reading the log: %w", err)
	}
	var log []byte
	if fi.Mode().IsRegular() && fi.Size() <= maxSnapshot {
		log = make([]byte, fi.Size())
		if _, err := io.ReadFull(file, log); err != nil {
			return fmt.Errorf("state: reading the log: %w", err)
		}
	}
	switch err := checkLogHeader(log, base); {
	case errors.Is(err, errStaleLog):
		os.Remove(path)
		f.last = nil // the next save writes a base
		return nil
	case err != nil:
		f.setAside(path)
		f.last = nil
		return nil
	}
	if err := applyLog(st, base, log); err != nil {
		f.setAside(path)
		f.last = nil
	}
	return nil
}

// readFile reads a state file: its header, then as many bytes as the
// header says when they are what the file holds.
func readFile(path string) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	fi, err := file.Stat()
	switch {
	case err != nil:
		return nil, err
	case fi.IsDir():
		return nil, fmt.Errorf("%w: state file %s is a directory", ErrCorrupt, path)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%w: state file %s is not a regular file (%v)", ErrCorrupt, path, fi.Mode().Type())
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

// Save encodes st to a temporary file beside the file (beside the link's
// target, when the path is a symbolic link), syncs it, renames it over the
// file and syncs the directory; then it removes the log.
func (f *FileStore) Save(st *State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saveBase(st)
}

// SaveChanges saves st, appending what changed (ch) to the log when st is
// the State of the previous successful save and the log stays below half
// the base's size, and as Save does otherwise (see ChangeSaver). An append
// is synced before SaveChanges returns.
func (f *FileStore) SaveChanges(st *State, ch *Changes) (err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch == nil || f.last != st || f.baseLen == 0 {
		return f.saveBase(st)
	}
	if f.buf, err = appendRecord(f.buf[:0], st, ch); err != nil {
		f.last = nil
		return err
	}
	if f.logLen+len(f.buf) > f.baseLen/logShare {
		return f.saveBase(st)
	}
	target, err := resolveLink(f.path)
	if err == nil {
		err = f.appendLog(target, f.buf)
	}
	if err != nil {
		f.last = nil // the next save writes a base
		return fmt.Errorf("state: appending to the log of %s: %w", f.path, err)
	}
	return nil
}

// saveBase writes st whole (Save). f.mu is held.
func (f *FileStore) saveBase(st *State) (err error) {
	f.last = nil
	if f.buf, err = st.AppendBinary(f.buf[:0]); err != nil {
		return err
	}
	target, err := resolveLink(f.path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	if err = writeReplace(target, f.buf); err != nil {
		return err
	}
	// The old log names the old base: a crash before it is gone leaves it
	// stale, and ignored.
	if err := os.Remove(target + logSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("state: removing the old log: %w", err)
	}
	f.last, f.baseLen, f.logLen = st, len(f.buf), 0
	f.baseTail = [trailer]byte(f.buf[len(f.buf)-trailer:])
	return syncDir(dir)
}

// writeReplace writes b to a temporary file beside target, syncs it and
// renames it over target.
func writeReplace(target string, b []byte) (err error) {
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
	return os.Rename(tmp.Name(), target)
}

// syncDir syncs the directory, so that a rename in it is durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be synced there; rename is durable enough
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil // the rename happened; only its durability is unknown
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("state: syncing directory %s: %w", dir, err)
	}
	return nil
}

// tornAppend, when set (by the process tests), runs before each append to
// a log: it writes part of the record and never returns, until the test
// kills the process.
var tornAppend func(f *os.File, rec []byte)

// logSuffix names the log beside the base.
const logSuffix = ".log"

// logShare: the log is compacted into a new base when it would grow past
// the base's size divided by it.
const logShare = 2

// appendLog appends rec to the log of target, creating the log (atomically,
// with its header) after a new base. f.mu is held.
func (f *FileStore) appendLog(target string, rec []byte) error {
	path := target + logSuffix
	if f.logLen == 0 {
		b := append(logHeaderFor(f.baseLen, f.baseTail[:]), rec...)
		if err := writeReplace(path, b); err != nil {
			return err
		}
		f.logLen = len(b)
		return syncDir(filepath.Dir(target))
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer file.Close()
	if fi, err := file.Stat(); err != nil || fi.Size() != int64(f.logLen) {
		return fmt.Errorf("the log is not as this store left it (%v)", err)
	}
	if tornAppend != nil {
		tornAppend(file, rec) // tests: a crash in the middle of the append
	}
	if _, err := file.Write(rec); err != nil {
		return err
	}
	if err := file.Sync(); err != nil {
		return err
	}
	f.logLen += len(rec)
	return file.Close()
}

// setAside renames target to target.bad-<UTC time>, next to it (the link's
// target, next to the target, when the path is a symbolic link; the link
// stays). A directory in the file's place is left where it is. f.mu is
// held.
func (f *FileStore) setAside(target string) (string, error) {
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
