package state

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Locking the state file.
//
// One process at a time may use a state file: two that save in turn each
// overwrite the other's counts. The system releases the lock however the
// process dies (SIGKILL, a crash, the OOM killer): no stale lock.
//
// The lock is on a file beside the state file, the state file's path with
// ".lock" appended, not on the state file itself: each save replaces the
// state file by a rename, and a lock on the replaced file would guard
// nothing. The lock file holds the holder's pid, for the error that a
// process waiting in vain reports. It is never removed: a process removing
// it while another waits to open it would let the two lock two different
// files of one name.
//
// The lock is flock(2) on unix: held per open file, so that two trackers of
// one process exclude each other too, and not inherited by child processes
// (Go opens files close-on-exec). On windows it is LockFileEx on one byte far
// beyond the pid, which other processes can then still read. Elsewhere no
// lock is taken (see lockSupported).

// ErrInUse is wrapped by the error Lock (and so budget.New) returns when the
// state file is held by another tracker, of this process or another, beyond
// the store's lock wait (WithLockWait).
var ErrInUse = errors.New("state: file in use")

// DefaultLockWait is how long Lock waits for another process to release a
// FileStore's file when the store was given no WithLockWait: long enough for
// a process stopped with SIGTERM to save its last snapshot and exit while
// its successor starts.
const DefaultLockWait = 10 * time.Second

// lockPoll is how often a waiting New tries the lock again.
const lockPoll = 20 * time.Millisecond

// An Option configures a FileStore (NewFileStore).
type Option interface{ apply(*FileStore) }

type optionFunc func(*FileStore)

func (o optionFunc) apply(f *FileStore) { o(f) }

// WithLockWait sets how long Lock waits for another process to release the
// state file before it fails with ErrInUse (DefaultLockWait without this
// option). Zero or less tries once and does not wait.
func WithLockWait(d time.Duration) Option {
	return optionFunc(func(f *FileStore) { f.lockWait = max(d, 0) })
}

// Lock takes the file's lock for a tracker (budget.New calls it before it
// loads), waiting up to the store's lock wait and saying so in log. An error
// that does not wrap ErrInUse means no lock could be taken at all (an
// unwritable directory, a file system without locks). See "Locking the
// state file".
func (f *FileStore) Lock(log *slog.Logger) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !lockSupported {
		return fmt.Errorf("state: no file locking on %s", runtime.GOOS)
	}
	if f.lock != nil {
		return fmt.Errorf("%w: %s is held by another tracker of this process (pid %d) on the same FileStore", ErrInUse, f.path, os.Getpid())
	}
	target, err := resolveLink(f.path)
	if err != nil {
		return err
	}
	lp := target + ".lock"
	lf, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		// A lock file this user cannot write, or a directory it cannot
		// write: a read-only descriptor locks as well (the pid is then not
		// written).
		ro, rerr := os.Open(lp)
		if rerr != nil {
			return fmt.Errorf("state: opening the lock file: %w", err)
		}
		lf = ro
	}
	deadline := time.Now().Add(f.lockWait)
	waiting := false
	for {
		err := tryLockFile(lf)
		if err == nil {
			break
		}
		if !errors.Is(err, errLockHeld) {
			lf.Close()
			return fmt.Errorf("state: locking %s: %w", lp, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			lf.Close()
			return fmt.Errorf("%w: %s is held by %s (lock file %s); gave up after waiting %v",
				ErrInUse, f.path, holder(lp), lp, f.lockWait)
		}
		if !waiting {
			waiting = true
			log.Warn("errbudget: the state file is in use by another process; waiting for it",
				"store", f.path, "holder", holder(lp), "wait", f.lockWait)
		}
		time.Sleep(min(lockPoll, left))
	}
	// The pid first, then the length: a reader never sees an empty file
	// while a pid is being replaced by a shorter one.
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if _, err := lf.WriteAt(pid, 0); err == nil {
		lf.Truncate(int64(len(pid)))
	}
	if waiting {
		log.Info("errbudget: the state file was released; continuing", "store", f.path)
	}
	f.lock = lf
	return nil
}

// Unlock releases the lock (Tracker.Close calls it); the lock file stays.
func (f *FileStore) Unlock() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lock == nil {
		return
	}
	unlockFile(f.lock)
	f.lock.Close()
	f.lock = nil
}

// holder says who holds the lock: "pid N" from the lock file, or that its
// pid is unknown (the holder could not write it, or is writing it).
func holder(lockPath string) string {
	lf, err := os.Open(lockPath)
	if err == nil {
		defer lf.Close()
		b, _ := io.ReadAll(io.LimitReader(lf, 32))
		line, _, _ := strings.Cut(string(b), "\n")
		if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && pid > 0 {
			return "pid " + strconv.Itoa(pid)
		}
	}
	return "another process (pid unknown)"
}

// resolveLink follows path while it is a symbolic link and returns what it
// points at in the end, which need not exist (a link to a state file not yet
// written). A relative link is taken from the link's directory without
// cleaning "..", as the system does.
func resolveLink(path string) (string, error) {
	p := path
	for range 40 {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		to, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(to) {
			dir, _ := filepath.Split(p) // uncleaned, with its separator
			to = dir + to
		}
		p = to
	}
	return "", fmt.Errorf("state: path %s: too many levels of symbolic links", path)
}
