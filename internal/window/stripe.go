package window

import (
	"runtime"
	"sync/atomic"
	"unsafe" // for the address of a stack variable, never dereferenced

	"github.com/errbudget/errbudget/sli"
)

// Striping.
//
// Were a series' counters shared, two cores recording at once would pass
// their cache line back and forth on every add. Each series therefore keeps
// several sets of counters, stripes; a recording adds atomically to one, and
// the read side sums them at each flush.
//
// The stripe is the one the recording goroutine's stack address hashes to:
// a goroutine keeps its stack, so it keeps its stripe (and the line stays in
// its core's cache), and stacks lie at least 2 KiB apart, so goroutines that
// run at once spread over the stripes. Two that share one contend, but never
// lose a count: every add is atomic. (Earlier versions pinned the goroutine
// to its P through a go:linkname; see the note of issue 10.)
//
// A recording reads the current bucket, then adds: a flush between the two
// moves the add into the next bucket, so an event lands at most one bucket
// late unless its goroutine stays descheduled between two instructions for
// longer than a bucket (10 s).

// maxStripes caps the stripes of a series: beyond it, memory (a latency
// series keeps a 3.75 KiB histogram per stripe) grows faster than
// contention falls.
const maxStripes = 16

// StripeCount returns the stripes a new series keeps: a power of two, four
// per P up to maxStripes, so that two goroutines running at once share a
// stripe rarely.
func StripeCount() int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) && n < maxStripes {
		n <<= 1
	}
	return n
}

// Stripes are the striped cumulative counters of one series: the recording
// side of the engine. Add and Index are safe for concurrent use, take no
// lock and allocate nothing; Flush is called under the owner's mutex.
type Stripes struct {
	s   []stripe
	lat []atomic.Int64 // stripes × histStride latency counts; nil without latency

	base Counts // stripe sums (good, bad) at the last flush
	excl int64  // stripe excluded sum at the last flush
}

// NewStripes returns n stripes (a power of two), with latency histograms
// when latency is set.
func NewStripes(n int, latency bool) Stripes {
	s := Stripes{s: make([]stripe, n)}
	if latency {
		s.lat = make([]atomic.Int64, n*histStride)
	}
	return s
}

// Len returns the number of stripes.
func (s *Stripes) Len() int { return len(s.s) }

// Index returns the stripe the calling goroutine writes: its stack
// address, folded at 2 KiB (the smallest stack) and the three sizes above.
// The address is the same on every call from the same depth of the same
// goroutine, and differs between the stacks of goroutines that run at once.
func (s *Stripes) Index() int {
	var here byte
	a := uintptr(unsafe.Pointer(&here)) >> 11
	return int((a ^ a>>3 ^ a>>6 ^ a>>9) & uintptr(len(s.s)-1))
}

// Add adds n events of verdict v, with latency us (µs; negative for none),
// to stripe i.
func (s *Stripes) Add(i int, v sli.Outcome, us, n int64) {
	st := &s.s[i]
	switch v {
	case sli.Good:
		st.good.Add(n)
	case sli.Bad:
		st.bad.Add(n)
	default:
		st.excluded.Add(n)
		return
	}
	s.AddLatency(i, us, n)
}

// AddLatency adds n latencies of us µs (none when negative) to stripe i.
func (s *Stripes) AddLatency(i int, us, n int64) {
	if us < 0 {
		return
	}
	s.lat[i*histStride+histIndex(us)].Add(n)
	if st := &s.s[i]; us > st.max.Load() {
		stripeMax(&st.max, us)
	}
}

// Flush returns what the stripes counted since the last flush: good and
// bad events, and excluded ones. The caller holds the owner's mutex.
func (s *Stripes) Flush() (d Counts, excluded int64) {
	var sum Counts
	var excl int64
	for i := range s.s {
		st := &s.s[i]
		sum.Good += st.good.Load()
		sum.Bad += st.bad.Load()
		excl += st.excluded.Load()
	}
	d = Counts{sum.Good - s.base.Good, sum.Bad - s.base.Bad}
	excluded = excl - s.excl
	s.base, s.excl = sum, excl
	return d, excluded
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

// MaxCount is where every count saturates (about 4.6 × 10^18): the sum of
// two such counts still fits an int64, and none ever wraps around to a
// negative number.
const MaxCount = 1<<62 - 1

// AddCount returns a + b saturated at MaxCount, for counts in [0, MaxCount].
func AddCount(a, b int64) int64 { return min(a+b, MaxCount) }
