package budget

import (
	"runtime"
	"sync/atomic"
	"unsafe" // for go:linkname, and the owner's plain adds
)

// Per-CPU striping.
//
// Every recording adds to counters. Were those counters shared, two cores
// recording at once would pass the cache line between them on every add (the
// reason a Prometheus histogram costs several times more per observation when
// cores share it). Each series therefore keeps one set of counters per P (the
// scheduler's processor), and a recording adds to the stripe of the P it runs
// on: a cache line is written by one core only.
//
// A recording pins itself to its P (runtime.procPin, the primitive sync.Pool
// uses for its per-P caches; the Go runtime keeps it linkable on purpose,
// go.dev/issue/67401) for the few instructions of its adds. While pinned, no
// other goroutine runs on that P, so the P's stripe has a single writer and
// the adds need no atomic read-modify-write: a plain add, where a LOCK-prefixed
// one costs several times more and waits for the core's store buffer to
// drain (BenchmarkRecord/serial in bench/ fell from 72 to 58 ns). The flush
// reads the stripes with atomic loads from another core: on a 64-bit machine
// an aligned word is never torn, so it reads some value the owner wrote, and
// whatever it misses it reads at the next flush — counts are cumulative, so
// nothing is lost. Pinning never spans a lock, a clock read or user code.
//
// Stripes 0 … owned−1 belong to the Ps of those ids. The last stripe is
// shared, with atomic adds, by Ps beyond them: more Ps than maxStripes, or
// GOMAXPROCS raised after the tracker was created. The race detector cannot
// know that a pinned P has its stripe to itself, and a 32-bit machine could
// tear a 64-bit word, so there every add is atomic (plainStripes).

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// maxStripes caps the owned stripes of a series: beyond it, memory grows
// faster than contention falls.
const maxStripes = 16

// stripeCount returns the stripes a new series keeps: one per P, up to
// maxStripes, and the shared one.
func stripeCount() int {
	return min(runtime.GOMAXPROCS(0), maxStripes) + 1
}

// plainStripes reports whether a pinned owner adds to its stripe without
// atomic read-modify-writes.
const plainStripes = !raceBuild && unsafe.Sizeof(uintptr(0)) == 8

// stripeOf returns the stripe that P pid writes and whether it owns it.
func (s *Series) stripeOf(pid int) (i int, own bool) {
	shared := len(s.stripes) - 1
	if pid < shared {
		return pid, true
	}
	return shared, false
}

// stripeAdd adds n to a stripe counter: a plain add by the pinned owner, an
// atomic one otherwise.
func stripeAdd(c *atomic.Int64, n int64, own bool) {
	if plainStripes && own {
		*(*int64)(unsafe.Pointer(c)) += n
		return
	}
	c.Add(n)
}

// stripeMax raises a stripe's maximum to v, which the caller saw above it.
// The owner stores it plainly: only the flush writes it besides, swapping in
// 0 at the end of a slot, and a v stored after that swap belongs to the next
// slot anyway.
func stripeMax(c *atomic.Int64, v int64, own bool) {
	if plainStripes && own {
		*(*int64)(unsafe.Pointer(c)) = v
		return
	}
	for {
		old := c.Load()
		if v <= old || c.CompareAndSwap(old, v) {
			return
		}
	}
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
