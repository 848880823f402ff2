//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package state

import (
	"errors"
	"os"
)

// No file locks here (plan9, js, wasip1, solaris, illumos, aix): New says so
// in the log and runs without the lock.
const lockSupported = false

var errLockHeld = errors.New("lock held")

func tryLockFile(*os.File) error { return errors.ErrUnsupported }

func unlockFile(*os.File) {}
