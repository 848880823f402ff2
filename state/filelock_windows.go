//go:build windows

package state

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

const lockSupported = true

// errLockHeld: another handle holds the lock.
var errLockHeld = errors.New("lock held")

// The locked byte lies far beyond the pid, so that a locked range never
// keeps another process from reading the pid.
const lockOffsetHigh = 0x7fffffff

func tryLockFile(f *os.File) error {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLockHeld
	}
	return err
}

func unlockFile(f *os.File) {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}
