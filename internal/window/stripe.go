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
// the owner sums them at each rotation and fold (below).
//
// The stripe is the one the recording goroutine's stack address hashes to:
// a goroutine keeps its stack, so it keeps its stripe (and the line stays in
// its core's cache), and stacks lie at least 2 KiB apart, so goroutines that
// run at once spread over the stripes. Two that share one contend, but never
// lose a count: every add is atomic. (Earlier versions pinned the goroutine
// to its P through a go:linkname; see the note of issue 10.)
//
// A recording reads the current bucket, then adds: a rotation or a fold
// between the two moves the add into the next bucket, so an event lands at
// most one bucket late unless its goroutine stays descheduled between two
// instructions for longer than a bucket (10 s).
//
// Rotation.
//
// The first recording of a new 10-second bucket within the same 5-minute
// slot moves the current bucket without a lock (Rotate): it sums the
// stripes' cumulative counts, the end of the bucket it leaves, and moves the
// bucket word on with a compare-and-swap; then it leaves the sums in a
// pending entry for that bucket. Only the owner's fold (Fold, under its
// mutex: at a read, or at the first recording of a new 5-minute slot) turns
// the entries into per-bucket counts for the ring: the difference between
// consecutive sums. The sums are taken before the swap, so they hold no
// event of a later bucket; an event of the bucket left that adds after them
// counts in the next bucket.
//
// The bucket word also counts the folds (its low epochBits bits). A fold
// takes the stripes' sums and bumps the count with a compare-and-swap, so
// that no rotation happens between the two; a rotation whose swap fails
// sums again. A fold uses an entry only when its sums lie between the sums
// it took last (its base) and those it takes now, which the entries of the
// rotations since the last fold do, in bucket order: the entry of a bucket
// left before the last fold, even one written after it (its rotation
// swapped just before the fold and was slow to write it), holds sums no
// later than the base, and adds nothing. The entries' slots are the
// buckets' numbers modulo pendLen: the rotations between two folds stay
// within one slot of 30 buckets, so they never share one. Counts are
// never lost nor counted twice: each bucket's count is the difference of
// two sums the fold took in order, and an event a fold's sums miss counts
// in a later bucket.
//
// An entry is one word, the low 32 bits of each sum, so that a rotation
// writes it with one store and a fold never reads half of one. The fold
// restores the full sums from its base: exact while fewer than 2^31 events
// of a verdict come between two folds (some 7 million a second over a
// 5-minute slot; beyond, it uses no entry and counts them all in the
// bucket it holds). An entry left over 2^31 events of a verdict before the
// base could pass for a current one: that would move counts between the
// buckets of one fold, never lose or repeat them.

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
// side of the engine. Add, Index, Bucket and Rotate are safe for concurrent
// use, take no
// lock and allocate nothing; Fold is called under the owner's mutex.
type Stripes struct {
	// word is the current bucket (fine units) << epochBits | the count of
	// folds. It is read on every Add and written every 10 s: keep it off
	// the lines the owner writes under its mutex.
	_    [64]byte
	word atomic.Int64
	used atomic.Uint64 // a bit for each stripe ever added to: sums read only those
	_    [48]byte

	s     []stripe
	shift uint                            // 64 − log2(len(s)): Index keeps the hash's top bits
	lat   []atomic.Pointer[latencyStripe] // nil without latency; each allocated at its first use

	pend [pendLen]atomic.Uint64 // the sums at each rotation since the last fold, by bucket (entry)

	base Counts // stripe sums (good, bad) up to the last bucket folded
	excl int64  // stripe excluded sum at the last fold
}

// epochBits are the bits of the bucket word that count the folds.
const (
	epochBits = 16
	epochMask = 1<<epochBits - 1
)

// pendLen is the number of pending entries: a rotation without the lock
// stays within a 5-minute slot (slotBuckets fine buckets), and a fold
// ends every run of them.
const pendLen = 32

// slotBuckets is the number of fine buckets in a latency slot.
const slotBuckets = LatencySlotWidth / FineWidth

// MaxFold is the most buckets one Fold returns.
const MaxFold = pendLen

// entry packs the stripes' sums at the end of a bucket into a pending
// entry: their low 32 bits each.
func entry(sum Counts) uint64 { return uint64(uint32(sum.Good))<<32 | uint64(uint32(sum.Bad)) }

// maxLatencyStripes caps the latency histograms of a series: each costs
// 1.9 KiB, and histogram adds spread over 464 counters contend little.
const maxLatencyStripes = 4

// latencyStripe counts latencies since the last fold, one counter per
// histogram bucket (HistLen), and marks the buckets it counts in: a fold
// reads the counters of the marked buckets only (a slot of ordinary
// traffic fills a few dozen of the 464). A counter that leaves zero sets
// its bucket's bit after its add; a fold takes the bits, then the counts
// of the buckets they mark, so a count whose bit it missed waits for the
// next fold, as a count added after a flush does. The bits fill the 64
// bytes that kept stripes off shared lines.
type latencyStripe struct {
	c    [HistLen]atomic.Uint32
	mark [(HistLen + 63) / 64]atomic.Uint64
}

// foldAt is the count at which a latency counter asks to be folded, far
// below where it would wrap around.
const foldAt = 1 << 31

// MaxLatencyAdd is the largest n AddLatency takes; larger batches go to
// LatencyRing.Add under the owner's mutex.
const MaxLatencyAdd = 1 << 16

// NewStripes returns n stripes (a power of two), with latency histograms
// when latency is set.
func NewStripes(n int, latency bool) *Stripes {
	s := new(Stripes)
	s.Init(n, latency)
	return s
}

// Init makes s n empty stripes (a power of two), with latency histograms
// when latency is set, for an owner that holds them in place.
func (s *Stripes) Init(n int, latency bool) {
	*s = Stripes{s: make([]stripe, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	if latency {
		s.lat = make([]atomic.Pointer[latencyStripe], min(n, maxLatencyStripes))
	}
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
	if !st.used.Load() {
		s.use(i)
	}
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
	k := histIndex(us)
	switch v := h.c[k].Add(uint32(n)); {
	case v >= foldAt:
		h.c[k].Add(-uint32(n))
		return false
	case v == uint32(n): // it was zero
		h.mark[k/64].Or(1 << (k % 64))
	}
	if st := &s.s[i]; us > st.max.Load() {
		stripeMax(&st.max, us)
	}
	return true
}

// Bucket returns the bucket the stripes accumulate (fine units).
func (s *Stripes) Bucket() int64 { return s.word.Load() >> epochBits }

// Rotate makes b the current bucket without a lock when b is later than the
// current one and within its 5-minute slot, leaving the sums of the bucket
// it leaves for the next Fold (see "Rotation"). It reports whether b is now
// the current bucket: false when b is earlier, or in another slot, which
// the owner handles under its mutex.
func (s *Stripes) Rotate(b int64) bool {
	for {
		w := s.word.Load()
		c := w >> epochBits
		switch {
		case b == c:
			return true
		case b < c || FloorDiv(b, slotBuckets) != FloorDiv(c, slotBuckets):
			return false
		}
		sum := s.sums()
		if !s.word.CompareAndSwap(w, b<<epochBits|w&epochMask) {
			continue // another rotation, or a fold: sum again
		}
		s.pend[c&(pendLen-1)].Store(entry(sum))
		return true
	}
}

// sums returns the stripes' cumulative good and bad counts.
func (s *Stripes) sums() (sum Counts) {
	for m := s.used.Load(); m != 0; m &= m - 1 {
		st := &s.s[bits.TrailingZeros64(m)]
		sum.Good += st.good.Load()
		sum.Bad += st.bad.Load()
	}
	return sum
}

// sumsAll returns sums and the stripes' cumulative excluded count.
func (s *Stripes) sumsAll() (sum Counts, excl int64) {
	for m := s.used.Load(); m != 0; m &= m - 1 {
		st := &s.s[bits.TrailingZeros64(m)]
		sum.Good += st.good.Load()
		sum.Bad += st.bad.Load()
		excl += st.excluded.Load()
	}
	return sum, excl
}

// Fold appends to dst what the stripes counted since the last fold, by
// bucket, oldest first (at most MaxFold buckets), and returns the excluded
// events among them. It then makes to the current bucket when it is later
// than the current one, or with force (the clock stepped back). The caller
// holds the owner's mutex.
func (s *Stripes) Fold(dst []Bucket, to int64, force bool) (out []Bucket, excluded int64) {
	var w, excl int64
	var sum Counts
	for {
		w = s.word.Load()
		sum, excl = s.sumsAll()
		nb := w >> epochBits
		if force || to > nb {
			nb = to
		}
		if s.word.CompareAndSwap(w, nb<<epochBits|(w+1)&epochMask) {
			break
		}
	}
	c := w >> epochBits
	// The entries of the rotations since the last fold: their buckets lie
	// within c's slot, so they fit the ring of entries.
	for x := c - pendLen + 1; x < c && sum.Good-s.base.Good < 1<<31 && sum.Bad-s.base.Bad < 1<<31; x++ {
		if e, ok := s.restore(s.pend[x&(pendLen-1)].Load(), sum); ok {
			dst = s.take(dst, x, e)
		}
	}
	dst = s.take(dst, c, sum)
	excluded, s.excl = excl-s.excl, excl
	return dst, excluded
}

// restore returns the sums a pending entry v holds, restored from the
// base, and whether they lie between the base and the sums now (see
// "Rotation"), which are less than 2^31 apart.
func (s *Stripes) restore(v uint64, now Counts) (Counts, bool) {
	e := Counts{
		s.base.Good + int64(uint32(v>>32)-uint32(s.base.Good)),
		s.base.Bad + int64(uint32(v)-uint32(s.base.Bad)),
	}
	return e, now.Good-e.Good >= 0 && now.Bad-e.Bad >= 0
}

// take appends bucket x's counts, the stripes' sums at its end less those
// at the end of the bucket before, and moves the base on.
func (s *Stripes) take(dst []Bucket, x int64, sum Counts) []Bucket {
	d := Counts{sum.Good - s.base.Good, sum.Bad - s.base.Bad}
	s.base = sum
	if d != (Counts{}) {
		dst = append(dst, Bucket{N: x, Good: d.Good, Bad: d.Bad})
	}
	return dst
}

// use marks stripe i used, before its first add: a sum that reads the mask
// before the bit is set reads none of the stripe's counts, and the next
// sum reads them all.
func (s *Stripes) use(i int) {
	s.used.Or(1 << i)
	s.s[i].used.Store(true)
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
// takes the difference from the last fold.
type stripe struct {
	good, bad, excluded atomic.Int64
	max                 atomic.Int64 // largest latency (µs) since the last latency flush
	used                atomic.Bool  // the stripe's bit in Stripes.used is set
	// Pad to 128 bytes: stripes written by different cores must not share
	// a cache line, and adjacent-line prefetch pairs lines on x86.
	_ [128 - 4*8 - 8]byte
}

// MaxCount is where every count saturates (about 4.6 × 10^18): the sum of
// two such counts still fits an int64, and none ever wraps around to a
// negative number.
const MaxCount = 1<<62 - 1

// AddCount returns a + b saturated at MaxCount, for counts in [0, MaxCount].
func AddCount(a, b int64) int64 { return min(a+b, MaxCount) }
