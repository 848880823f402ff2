package window

import (
	"math/bits"
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
	s     []stripe
	shift uint                            // 64 − log2(len(s)): Index keeps the hash's top bits
	lat   []atomic.Pointer[latencyStripe] // nil without latency; each allocated at its first use

	base Counts // stripe sums (good, bad) at the last flush
	excl int64  // stripe excluded sum at the last flush
}

// maxLatencyStripes caps the latency histograms of a series: each costs
// 1.9 KiB, and histogram adds spread over 464 counters contend little.
const maxLatencyStripes = 4

// latencyStripe counts latencies since the last fold, one counter per
// histogram bucket (HistLen), padded to keep stripes off shared lines.
type latencyStripe [HistLen + 16]atomic.Uint32

// foldAt is the count at which a latency counter asks to be folded, far
// below where it would wrap around.
const foldAt = 1 << 31

// MaxLatencyAdd is the largest n AddLatency takes; larger batches go to
// LatencyRing.Add under the owner's mutex.
const MaxLatencyAdd = 1 << 16

// NewStripes returns n stripes (a power of two), with latency histograms
// when latency is set.
func NewStripes(n int, latency bool) Stripes {
	s := Stripes{s: make([]stripe, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	if latency {
		s.lat = make([]atomic.Pointer[latencyStripe], min(n, maxLatencyStripes))
	}
	return s
}

// Len returns the number of stripes.
func (s *Stripes) Len() int { return len(s.s) }

// Index returns the stripe the calling goroutine writes: a hash of its
// stack address. The address is the same on every call from the same depth
// of the same goroutine, and differs between the stacks of goroutines that
// run at once, which lie a stack size apart (2 KiB and up: more as the
// runtime learns the program's stacks, 16 KiB under the race detector).
// Multiplying by 2^64/φ and keeping the top bits (Fibonacci hashing)
// spreads such evenly spaced addresses evenly over the stripes, whatever
// the spacing; folding the address's own bits did not (TestStripeIndexEven).
func (s *Stripes) Index() int {
	var here byte
	a := uint64(uintptr(unsafe.Pointer(&here)) >> 11)
	return int(a * 0x9E3779B97F4A7C15 >> s.shift)
}

// Add adds n events of verdict v, with latency us (µs; negative for none),
// to stripe i. It reports false when the latency could not be added
// (AddLatency): the caller then hands it to LatencyRing.Record.
func (s *Stripes) Add(i int, v sli.Outcome, us, n int64) bool {
	st := &s.s[i]
	switch v {
	case sli.Good:
		st.good.Add(n)
	case sli.Bad:
		st.bad.Add(n)
	default:
		st.excluded.Add(n)
		return true
	}
	return s.AddLatency(i, us, n)
}

// AddLatency adds n ≤ MaxLatencyAdd latencies of us µs (none when negative)
// to stripe i's histogram. It adds nothing and reports false when that
// histogram is not allocated yet or a counter of it nears overflow: the
// caller then hands the latency to LatencyRing.Record under its mutex.
func (s *Stripes) AddLatency(i int, us, n int64) bool {
	if us < 0 {
		return true
	}
	h := s.lat[i&(len(s.lat)-1)].Load()
	if h == nil {
		return false
	}
	if c := &h[histIndex(us)]; c.Add(uint32(n)) >= foldAt {
		c.Add(-uint32(n))
		return false
	}
	if st := &s.s[i]; us > st.max.Load() {
		stripeMax(&st.max, us)
	}
	return true
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
