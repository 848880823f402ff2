package budget

import (
	"runtime"
	"sync/atomic"
	_ "unsafe" // for go:linkname
)

// Per-CPU striping.
//
// Every recording adds to counters. Were those counters shared, two cores
// recording at once would pass the cache line between them on every add (the
// reason a Prometheus histogram costs several times more per observation when
// cores share it). Each series therefore keeps one set of counters per stripe,
// and a recording adds to the stripe of the P (the scheduler's processor) it
// runs on: with as many stripes as Ps, a cache line is written by one core only.
//
// The P's index comes from runtime.procPin, the same primitive sync.Pool uses
// for its per-P caches. It is reached with go:linkname; the Go runtime keeps
// it linkable on purpose (go.dev/issue/67401). Pinning is released at once:
// the index is only a hint, and a goroutine that migrates before its add
// merely shares a line for that one add. Correctness never depends on it.

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// stripeHint returns the index of the P the caller runs on.
func stripeHint() int {
	p := procPin()
	procUnpin()
	return p
}

// maxStripes caps the stripes of a series: beyond it, memory grows faster
// than contention falls.
const maxStripes = 16

func stripeCount() int {
	n := 1
	for n < runtime.GOMAXPROCS(0) && n < maxStripes {
		n <<= 1
	}
	return n
}

// stripe holds one P's cumulative counts of a series. Counts only grow; the
// ring takes the difference from the last flush.
type stripe struct {
	good, bad, excluded atomic.Int64
	max                 atomic.Int64 // largest latency (µs) since the last flush
	// Pad to 128 bytes: stripes of different Ps must not share a cache line,
	// and adjacent-line prefetch pairs lines on x86.
	_ [128 - 4*8]byte
}
