package state

import (
	"errors"
	"fmt"
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
		return nil, fmt.Errorf("%w; set aside as %s", err, aside)
	}
	return st, err
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
// file and syncs the directory.
func (f *FileStore) Save(st *State) (err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.buf, err = st.AppendBinary(f.buf[:0]); err != nil {
		return err
	}
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
	if _, err = tmp.Write(f.buf); err != nil {
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
		return fmt.Errorf("state: syncing directory %s: %w", dir, err)
	}
	return nil
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
