package window

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"time"

	"github.com/errbudget/errbudget/state"
)

// Latency distribution.
//
// hdrhistogram-go cannot record concurrently, so recording adds to atomic
// counters laid out as an HDR histogram of 1 µs to 69 minutes with one
// significant digit (16 sub-buckets per power of two: about 6%; longer
// values count in the top bucket), and the read side imports them into an
// hdrhistogram.Histogram for the percentiles. The exact maximum is kept
// beside. "The last hour" is the last 12 full 5-minute slots and the
// current partial one.

const (
	histSubBits = 4 // log2 of the sub-buckets per power of two
	// HistLen is the number of histogram buckets.
	HistLen     = (28 + 1) << histSubBits
	histHighest = int64(time.Hour / time.Microsecond)

	// LatencySlotWidth is the width of a latency slot (ns).
	LatencySlotWidth = int64(5 * time.Minute)
	latencySlots     = 13
	// LatencyWindow is the span the latency percentiles cover.
	LatencyWindow = time.Hour
)

// histIndex is hdrhistogram-go's counts index for v µs at (1, highest, 1).
func histIndex(us int64) int {
	if us < 2<<histSubBits {
		if us < 0 {
			return 0
		}
		return int(us)
	}
	e := bits.Len64(uint64(us)) - (histSubBits + 1)
	i := e<<histSubBits + int(us>>uint(e))
	if i >= HistLen {
		return HistLen - 1
	}
	return i
}

// LatencyRing holds the latency distribution of recent 5-minute slots: the
// current slot's counts in full, the older ones packed (their non-empty
// buckets, varint-encoded), for they no longer change but when the clock
// steps back. It is not safe for concurrent use: its owner guards it with a
// mutex.
type LatencyRing struct {
	cur    int64 // the slot dense holds; none before the first
	dense  [HistLen]int64
	marks  [histWords]uint64 // a bit for each bucket of dense that may be non-zero (mark)
	curMax int64
	old    [latencySlots]packedSlot // the other slots, by slot index

	// sum is the old slots aggSlots summed and packed, kept for Summary:
	// they change only when the current slot moves on, a late latency
	// lands in one, or the clock steps back, and decoding twelve of them
	// at every status was most of its cost.
	sum      packedSlot // n unused
	aggSlots [2]int64   // the first and last slot summed; from > to when none is
}

type packedSlot struct {
	n, max int64  // slot number (none when empty) and maximum
	data   []byte // uvarint pairs: bucket index delta, count
}

// NewLatencyRing returns an empty latency ring.
func NewLatencyRing() *LatencyRing {
	r := &LatencyRing{cur: none, aggSlots: [2]int64{1, 0}}
	for i := range r.old {
		r.old[i].n = none
	}
	return r
}

func slotOf(b int64) int {
	n := int64(latencySlots)
	return int(((b % n) + n) % n)
}

// histWords is the number of words of a bit for each histogram bucket.
const histWords = (HistLen + 63) / 64

// mark records that bucket k of counts may be non-zero, when counts is the
// current slot's: packing and clearing it then visit the marked buckets
// only, a few dozen of 464 for ordinary traffic.
func (r *LatencyRing) mark(counts *[HistLen]int64, k int) {
	if counts == &r.dense {
		r.marks[k/64] |= 1 << (k % 64)
	}
}

// packMarked is pack for counts whose non-zero buckets are all marked.
func packMarked(dst []byte, counts *[HistLen]int64, marks *[histWords]uint64) []byte {
	dst, prev := dst[:0], 0
	for w, m := range marks {
		for ; m != 0; m &= m - 1 {
			k := w*64 + bits.TrailingZeros64(m)
			if c := counts[k]; c != 0 {
				dst = binary.AppendUvarint(binary.AppendUvarint(dst, uint64(k-prev)), uint64(c))
				prev = k
			}
		}
	}
	return slices.Clip(dst)
}

// pack encodes counts into dst's storage.
func pack(dst []byte, counts *[HistLen]int64) []byte {
	dst, prev := dst[:0], 0
	for k, c := range counts {
		if c != 0 {
			dst = binary.AppendUvarint(binary.AppendUvarint(dst, uint64(k-prev)), uint64(c))
			prev = k
		}
	}
	return slices.Clip(dst)
}

// unpack adds packed counts to counts.
func unpack(data []byte, counts *[HistLen]int64) {
	for k := 0; len(data) > 0; {
		d, n1 := binary.Uvarint(data)
		c, n2 := binary.Uvarint(data[n1:])
		data = data[n1+n2:]
		k += int(d)
		counts[k] = AddCount(counts[k], int64(c))
	}
}

// slot returns the full counts and maximum of slot b to write into: the
// current slot, made current when b is newer (packing the one it was), or
// an older slot, unpacked into tmp: the caller then repacks it with
// o.repack(tmp). It returns nil counts when b is too old for the ring.
func (r *LatencyRing) slot(b int64, tmp *[HistLen]int64) (counts *[HistLen]int64, max *int64, o *packedSlot) {
	switch {
	case b == r.cur:
		return &r.dense, &r.curMax, nil
	}
	r.aggSlots = [2]int64{1, 0} // an old slot changes, or the slots move on
	switch {
	case b > r.cur:
		if r.cur != none {
			o := &r.old[slotOf(r.cur)]
			o.n, o.max = r.cur, r.curMax
			o.data = packMarked(o.data, &r.dense, &r.marks)
		}
		for w, m := range r.marks {
			for ; m != 0; m &= m - 1 {
				r.dense[w*64+bits.TrailingZeros64(m)] = 0
			}
		}
		r.cur, r.marks, r.curMax = b, [histWords]uint64{}, 0
		r.old[slotOf(b)].n = none
		return &r.dense, &r.curMax, nil
	case b <= r.cur-latencySlots:
		return nil, nil, nil
	}
	o = &r.old[slotOf(b)]
	if o.n != b {
		o.n, o.max, o.data = b, 0, o.data[:0]
	}
	unpack(o.data, tmp)
	return tmp, &o.max, o
}

// repack packs counts into o, when o is not nil.
func (o *packedSlot) repack(counts *[HistLen]int64) {
	if o != nil {
		o.data = pack(o.data, counts)
	}
}

// Flush moves the latencies the stripes counted since the last flush into
// the slot holding the instant at (nanoseconds). The stripes hold only
// latencies of that slot when the owner flushes before moving to the next.
func (r *LatencyRing) Flush(ls *Stripes, at int64) {
	b := FloorDiv(at, LatencySlotWidth)
	if b < r.cur {
		// An older slot (the clock stepped back): unpack it into a
		// scratch, which the current slot needs not clear.
		var tmp [HistLen]int64
		r.flush(ls, b, &tmp)
		return
	}
	r.flush(ls, b, nil)
}

// flush is Flush into slot b, with tmp for an older slot.
func (r *LatencyRing) flush(ls *Stripes, b int64, tmp *[HistLen]int64) {
	counts, mx, o := r.slot(b, tmp)
	for j := range ls.lat {
		h := ls.lat[j].Load()
		if h == nil {
			continue
		}
		for w := range h.mark {
			if h.mark[w].Load() == 0 {
				continue
			}
			for m := h.mark[w].Swap(0); m != 0; m &= m - 1 {
				k := w*64 + bits.TrailingZeros64(m)
				if c := int64(h.c[k].Swap(0)); counts != nil {
					counts[k] = AddCount(counts[k], c)
					r.mark(counts, k)
				}
			}
		}
	}
	for i := range ls.s {
		if ls.s[i].max.Load() == 0 {
			continue
		}
		if m := ls.s[i].max.Swap(0); counts != nil && m > *mx {
			*mx = m
		}
	}
	o.repack(counts)
}

// Record adds n latencies of us µs that Stripes.AddLatency did not take, at
// the instant at (nanoseconds): it flushes the stripes there and allocates
// stripe i's histogram if it has none, then adds to it.
func (r *LatencyRing) Record(ls *Stripes, i int, us, n, at int64) {
	r.Flush(ls, at)
	h := &ls.lat[i&(len(ls.lat)-1)]
	if h.Load() == nil {
		h.Store(new(latencyStripe))
	}
	if !ls.AddLatency(i, us, n) {
		r.Add(at, us, n)
	}
}

// Add adds n latencies of us µs to the slot holding the instant at
// (nanoseconds), with saturation: batches too large for the stripes.
func (r *LatencyRing) Add(at, us, n int64) {
	var tmp [HistLen]int64
	counts, mx, o := r.slot(FloorDiv(at, LatencySlotWidth), &tmp)
	if counts == nil {
		return
	}
	k := histIndex(us)
	counts[k] = AddCount(counts[k], n)
	r.mark(counts, k)
	*mx = max(*mx, us)
	o.repack(counts)
}

// Rewind moves the distributions of the slots after the one holding the
// instant at (nanoseconds) into that one, which becomes the current slot:
// the clock stepped back.
func (r *LatencyRing) Rewind(at int64) {
	tb := FloorDiv(at, LatencySlotWidth)
	if r.cur <= tb {
		return
	}
	r.aggSlots = [2]int64{1, 0}
	var sum [HistLen]int64
	sumMax := int64(0)
	fold := func(mx int64, counts *[HistLen]int64) {
		for k, c := range counts {
			sum[k] = AddCount(sum[k], c)
		}
		sumMax = max(sumMax, mx)
	}
	fold(r.curMax, &r.dense)
	for i := range r.old {
		// Every slot after tb folds into tb's; so does what tb's own slot
		// holds when that is tb or a later bucket (which it folds in as it
		// stands); an earlier bucket there leaves the ring.
		o := &r.old[i]
		if o.n == none || o.n < tb && i != slotOf(tb) {
			continue
		}
		if o.n >= tb {
			var c [HistLen]int64
			unpack(o.data, &c)
			fold(o.max, &c)
		}
		o.n, o.max, o.data = none, 0, o.data[:0]
	}
	r.cur, r.dense, r.curMax = tb, sum, sumMax
	r.marks = [histWords]uint64{}
	for k, c := range &r.dense {
		if c != 0 {
			r.mark(&r.dense, k)
		}
	}
}

// Quantiles summarise the latencies of the last hour: their count, and
// P50, P90 and P99 (each the upper edge of its histogram bucket, within
// about 6%, and never above Max) and the exact Max, in µs (zero with no
// events).
type Quantiles struct{ Count, P50, P90, P99, Max int64 }

// Summary computes the quantiles over the slots of the last hour ending at
// now (ns). The packed slots are decoded straight into one sum, and the
// percentiles read from it as hdrhistogram-go reads them (valueAt): a
// status asks for this summary of every latency series, and an imported
// histogram cost an allocation of its counts and a copy each time.
func (r *LatencyRing) Summary(now int64) Quantiles {
	to := FloorDiv(now, LatencySlotWidth)
	from := to - int64(LatencyWindow)/LatencySlotWidth
	var all [HistLen]int64
	var maxUS int64
	if lo, hi := max(from, r.cur-latencySlots+1), min(to, r.cur-1); lo <= hi {
		if r.aggSlots != [2]int64{lo, hi} {
			for b := lo; b <= hi; b++ {
				if o := &r.old[slotOf(b)]; o.n == b {
					unpack(o.data, &all)
					maxUS = max(maxUS, o.max)
				}
			}
			r.sum.data, r.sum.max, r.aggSlots = pack(r.sum.data, &all), maxUS, [2]int64{lo, hi}
		} else {
			unpack(r.sum.data, &all)
			maxUS = r.sum.max
		}
	}
	if r.cur != none && r.cur >= from && r.cur <= to {
		for k, c := range &r.dense {
			if c != 0 {
				all[k] = AddCount(all[k], c)
			}
		}
		maxUS = max(maxUS, r.curMax)
	}
	counts := all[:]
	var total int64
	for _, c := range counts {
		total = AddCount(total, c)
	}
	q := Quantiles{Count: total}
	if total == 0 {
		return q
	}
	// The histogram sums its counts in an int64: scale saturated ones down
	// until they fit, which keeps their proportions and so the percentiles.
	for sh := 0; total == MaxCount || sumCounts(counts) < 0; sh++ {
		total = 0
		for k := range counts {
			if counts[k] > 0 {
				counts[k] = max(counts[k]>>8, 1)
				total += counts[k]
			}
		}
	}
	// A percentile is a bucket's upper edge; never report one above the
	// exact maximum.
	q.P50 = min(valueAt(&all, total, 50), maxUS)
	q.P90 = min(valueAt(&all, total, 90), maxUS)
	q.P99 = min(valueAt(&all, total, 99), maxUS)
	q.Max = maxUS
	return q
}

// valueAt is hdrhistogram-go's ValueAtQuantile(q) (v1.4.0) of a histogram
// of 1 µs to histHighest with one significant digit holding counts, whose
// sum is total (> 0): the highest value equivalent to the first bucket at
// which the running count reaches the rank q% of total.
// TestValueAtMatchesHdrHistogram holds the two equal.
func valueAt(counts *[HistLen]int64, total int64, q float64) int64 {
	rank := q/100*float64(total) + 0.5
	want := int64(rank)
	switch {
	case !(rank >= 1):
		want = 1
	case rank >= float64(total):
		want = total
	}
	var run int64
	for i, c := range counts {
		if run += c; run >= want {
			return highestEquivalent(i)
		}
	}
	return highestEquivalent(-1) // not reached: the counts sum to total
}

// highestEquivalent returns the highest value counted in bucket i (the
// inverse of histIndex), hdrhistogram-go's highestEquivalentValue of the
// bucket's value; 0's for i < 0.
func highestEquivalent(i int) int64 {
	if i < 0 {
		return 0
	}
	const half = 1 << histSubBits
	e, sub := i>>histSubBits-1, int64(i&(half-1)+half)
	if e < 0 {
		e, sub = 0, int64(i)
	}
	v := sub << e
	// The bucket hdrhistogram-go finds v in: v itself below 2·half, where
	// every value has its own.
	be := max(bits.Len64(uint64(v|(2*half-1)))-(histSubBits+1), 0)
	return (v>>be)<<be + 1<<be - 1
}

// sumCounts returns the counts' sum, negative when it overflows.
func sumCounts(counts []int64) int64 {
	var sum int64
	for _, c := range counts {
		if sum += c; sum < 0 {
			return -1
		}
	}
	return sum
}

// LatencySlot is the plain state of one latency slot (package state's).
type LatencySlot = state.LatencySlot

// each calls f with every slot the ring holds, oldest first.
func (r *LatencyRing) each(f func(n, max int64, counts *[HistLen]int64)) {
	var c *[HistLen]int64 // one scratch for every packed slot: f escapes it
	for b := r.cur - latencySlots + 1; b < r.cur; b++ {
		if o := &r.old[slotOf(b)]; o.n == b {
			if c == nil {
				c = new([HistLen]int64)
			} else {
				*c = [HistLen]int64{}
			}
			unpack(o.data, c)
			f(b, o.max, c)
		}
	}
	if r.cur != none {
		f(r.cur, r.curMax, &r.dense)
	}
}

// AppendSlots appends the ring's slots in ascending order, reusing the
// count slices dst already has.
func (r *LatencyRing) AppendSlots(dst []LatencySlot) []LatencySlot {
	r.each(func(b, mx int64, counts *[HistLen]int64) {
		var l LatencySlot
		if len(dst) < cap(dst) {
			l = dst[:len(dst)+1][len(dst)]
		}
		l.N, l.Max, l.Counts = b, mx, l.Counts[:0]
		for k, c := range counts {
			if c != 0 {
				l.Counts = append(l.Counts, state.HistogramCount{Index: k, Count: c})
			}
		}
		if len(l.Counts) > 0 {
			dst = append(dst, l)
		}
	})
	return dst
}

// Restore adds a saved slot; one after the instant hi (ns) counts in the
// slot holding hi, as after a step back of the clock.
func (r *LatencyRing) Restore(l LatencySlot, hi int64) {
	var tmp [HistLen]int64
	counts, mx, o := r.slot(min(l.N, FloorDiv(hi, LatencySlotWidth)), &tmp)
	if counts == nil {
		return
	}
	*mx = max(*mx, l.Max)
	for _, c := range l.Counts {
		counts[c.Index] = AddCount(counts[c.Index], c.Count)
		r.mark(counts, c.Index)
	}
	o.repack(counts)
}
