package window

import (
	"math/bits"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
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

const histStride = HistLen + 16 // 128 bytes of padding between stripes

// LatencyRing holds the distribution of recent 5-minute slots. It is not
// safe for concurrent use: its owner guards it with a mutex.
type LatencyRing struct {
	base  [HistLen]int64 // cumulative stripe sums at the last flush
	epoch [latencySlots]int64
	max   [latencySlots]int64
	slots [latencySlots][HistLen]int64
}

// NewLatencyRing returns an empty latency ring.
func NewLatencyRing() *LatencyRing {
	r := &LatencyRing{}
	for i := range r.epoch {
		r.epoch[i] = -1
	}
	return r
}

func (r *LatencyRing) slot(b int64) int {
	n := int64(latencySlots)
	return int(((b % n) + n) % n)
}

// at returns the index of bucket b's slot, emptied for b when it held an
// older bucket; -1 when it holds a newer one (b is too old for the ring).
func (r *LatencyRing) at(b int64) int {
	i := r.slot(b)
	if r.epoch[i] > b {
		return -1
	}
	if r.epoch[i] != b {
		r.epoch[i], r.max[i], r.slots[i] = b, 0, [HistLen]int64{}
	}
	return i
}

// Flush moves the latencies the stripes counted since the last flush into
// the slot holding the instant at (nanoseconds).
func (r *LatencyRing) Flush(ls *Stripes, at int64) {
	i := r.at(FloorDiv(at, LatencySlotWidth))
	if i < 0 {
		r.absorb(ls, nil) // keep the base moving, so the counts are not attributed later
		return
	}
	r.absorb(ls, &r.slots[i])
	for s := range ls.s {
		if m := ls.s[s].max.Swap(0); m > r.max[i] {
			r.max[i] = m
		}
	}
}

// Add adds n latencies of us µs to the slot holding the instant at
// (nanoseconds), with saturation: batches too large for the stripes.
func (r *LatencyRing) Add(at, us, n int64) {
	i := r.at(FloorDiv(at, LatencySlotWidth))
	if i < 0 {
		return
	}
	k := histIndex(us)
	r.slots[i][k] = AddCount(r.slots[i][k], n)
	r.max[i] = max(r.max[i], us)
}

// Rewind moves the distributions of the slots after the one holding the
// instant at (nanoseconds) into that one: the clock stepped back.
func (r *LatencyRing) Rewind(at int64) {
	tb := FloorDiv(at, LatencySlotWidth)
	j := r.slot(tb)
	if r.epoch[j] > tb { // tb's own slot holds a later bucket: it folds in as it stands
		r.epoch[j] = tb
	}
	for i := range r.epoch {
		if r.epoch[i] <= tb {
			continue
		}
		if r.epoch[j] != tb {
			r.epoch[j], r.max[j], r.slots[j] = tb, 0, [HistLen]int64{}
		}
		for k, c := range r.slots[i] {
			r.slots[j][k] = AddCount(r.slots[j][k], c)
		}
		r.max[j] = max(r.max[j], r.max[i])
		r.epoch[i], r.max[i], r.slots[i] = -1, 0, [HistLen]int64{}
	}
}

func (r *LatencyRing) absorb(ls *Stripes, into *[HistLen]int64) {
	n := len(ls.s)
	for k := 0; k < HistLen; k++ {
		var c int64
		for s := 0; s < n; s++ {
			c += ls.lat[s*histStride+k].Load()
		}
		if d := c - r.base[k]; d != 0 {
			if into != nil {
				into[k] = AddCount(into[k], d)
			}
			r.base[k] = c
		}
	}
}

// Quantiles summarise the latencies of the last hour: their count, and
// P50, P90 and P99 (each the upper edge of its histogram bucket, within
// about 6%, and never above Max) and the exact Max, in µs (zero with no
// events).
type Quantiles struct{ Count, P50, P90, P99, Max int64 }

// Summary computes the quantiles over the slots of the last hour ending at
// now (ns).
func (r *LatencyRing) Summary(now int64) Quantiles {
	to := FloorDiv(now, LatencySlotWidth)
	from := to - int64(LatencyWindow)/LatencySlotWidth
	counts := make([]int64, HistLen)
	var total, maxUS int64
	for b := from; b <= to; b++ {
		i := r.slot(b)
		if r.epoch[i] != b {
			continue
		}
		for k, c := range r.slots[i] {
			counts[k] = AddCount(counts[k], c)
			total = AddCount(total, c)
		}
		maxUS = max(maxUS, r.max[i])
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
	h := hdrhistogram.Import(&hdrhistogram.Snapshot{
		LowestTrackableValue:  1,
		HighestTrackableValue: histHighest,
		SignificantFigures:    1,
		Counts:                counts,
	})
	// A percentile is a bucket's upper edge; never report one above the
	// exact maximum.
	q.P50 = min(h.ValueAtQuantile(50), maxUS)
	q.P90 = min(h.ValueAtQuantile(90), maxUS)
	q.P99 = min(h.ValueAtQuantile(99), maxUS)
	q.Max = maxUS
	return q
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

// AppendSlots appends the ring's slots in ascending order, reusing the
// count slices dst already has.
func (r *LatencyRing) AppendSlots(dst []LatencySlot) []LatencySlot {
	newest := int64(-1 << 62)
	for _, e := range r.epoch {
		newest = max(newest, e)
	}
	for b := newest - latencySlots + 1; b <= newest; b++ {
		i := r.slot(b)
		if r.epoch[i] != b {
			continue
		}
		var l LatencySlot
		if len(dst) < cap(dst) {
			l = dst[:len(dst)+1][len(dst)]
		}
		l.N, l.Max, l.Counts = b, r.max[i], l.Counts[:0]
		for k, c := range r.slots[i] {
			if c != 0 {
				l.Counts = append(l.Counts, state.HistogramCount{Index: k, Count: c})
			}
		}
		if len(l.Counts) > 0 {
			dst = append(dst, l)
		}
	}
	return dst
}

// Restore adds a saved slot; one after the instant hi (ns) counts in the
// slot holding hi, as after a step back of the clock.
func (r *LatencyRing) Restore(l LatencySlot, hi int64) {
	i := r.at(min(l.N, FloorDiv(hi, LatencySlotWidth)))
	if i < 0 {
		return
	}
	r.max[i] = max(r.max[i], l.Max)
	for _, c := range l.Counts {
		r.slots[i][c.Index] = AddCount(r.slots[i][c.Index], c.Count)
	}
}
