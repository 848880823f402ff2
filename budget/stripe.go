package budget

import (
	"runtime"
	"sync/atomic"
	"unsafe" // for the address of a stack variable, never dereferenced
)

// Striping.
//
// Every recording adds to counters. Were those counters shared, two cores
// recording at once would pass the cache line between them on every add (the
// reason a Prometheus histogram costs several times more per observation when
// cores share it). Each series therefore keeps several sets of counters,
// stripes, and a recording adds to one of them with atomic adds; the read
// side sums the stripes at each flush.
//
// Which stripe: the one the recording goroutine's stack address hashes to.
// A goroutine keeps its stack, so it keeps writing the same stripe (the
// line stays in its core's cache across calls, which a stripe drawn at
// random per call would not: two cores would then pass every line back and
// forth), and goroutines' stacks lie at least 2 KiB apart, so concurrent
// goroutines spread over the stripes. Two goroutines may hash to the same
// stripe; with four stripes per P that costs them some contention, never a
// count: every add is atomic.
//
// Earlier versions pinned the goroutine to its P through a go:linkname to
// runtime.procPin and added plainly to the P's own stripe, switching to
// atomic adds under the race detector; the race detector then checked a
// path that did not ship. An atomic add on a line the core already holds
// costs a few nanoseconds more than a plain one (see the note of issue 10
// for the figures).
//
// A recording reads the current bucket, then adds. A flush that runs
// between the two moves the add into the next bucket: an event lands at
// most one bucket late unless its goroutine stays descheduled between two
// neighbouring instructions for longer than a bucket (10 s), after which it
// lands in the bucket current when it resumes. Pinning never excluded that
// either: the operating system may deschedule a pinned thread.

// maxStripes caps the stripes of a series: beyond it, memory (a latency
// series keeps a 3.75 KiB histogram per stripe) grows faster than
// contention falls.
const maxStripes = 16

// stripeCount returns the stripes a new series keeps: a power of two, four
// per P up to maxStripes, so that two goroutines running at once share a
// stripe rarely.
func stripeCount() int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) && n < maxStripes {
		n <<= 1
	}
	return n
}

// stripeIndex returns the stripe the calling goroutine writes: its stack
// address, folded at 2 KiB (the smallest stack) and the three sizes above.
// The address is the same on every call from the same depth of the same
// goroutine, and differs between the stacks of goroutines that run at once.
func (s *Series) stripeIndex() int {
	var here byte
	a := uintptr(unsafe.Pointer(&here)) >> 11
	return int((a ^ a>>3 ^ a>>6 ^ a>>9) & uintptr(len(s.stripes)-1))
}

// stripeMax raises a stripe's maximum to v.
func stripeMax(c *atomic.Int64, v int64) {
	for {
		old := c.Load()
		if v <= old || c.CompareAndSwap(old, v) {
			return
		}
	}
}

// stripe holds cumulative counts of a series. Counts only grow; the ring
// takes the difference from the last flush.
type stripe struct {
	good, bad, excluded atomic.Int64
	max                 atomic.Int64 // largest latency (µs) since the last flush
	// Pad to 128 bytes: stripes written by different cores must not share
	// a cache line, and adjacent-line prefetch pairs lines on x86.
	_ [128 - 4*8]byte
}
