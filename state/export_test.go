package state

import (
	"fmt"
	"os"
)

// TearNextAppend makes the next append to a log write half of its record,
// sync it, say "torn" on stdout and hang, for the parent to kill the
// process: a crash in the middle of an append, for real.
func TearNextAppend() {
	tornAppend = func(f *os.File, rec []byte) {
		f.Write(rec[:len(rec)/2])
		f.Sync()
		fmt.Println("torn 0")
		select {}
	}
}
