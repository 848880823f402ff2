package budget

import (
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency distribution.
//
// hdrhistogram-go is not safe for concurrent recording, so the recording path
// adds to plain atomic counters laid out exactly as an HDR histogram with a
// lowest discernible value of 1 µs and one significant digit (16 sub-buckets
// per power of two: values are told apart to within 1/16, about 6%), and the
// read side imports those counts into an hdrhistogram.Histogram for the
// percentiles. Values from 1 µs to 69 minutes are tracked; longer ones count
// in the top bucket. The exact maximum is kept beside the histogram.
//
// Recent distributions are kept in a ring of 5-minute slots; "the last hour"
// is the last 12 full slots and the current partial one.

const (
	histSubBits = 4 // log2 of the sub-buckets per power of two
	histLen     = (28 + 1) << histSubBits
	histHighest = int64(time.Hour / time.Microsecond)

	latencySlotWidth = int64(5 * time.Minute)
	latencySlots     = 13
	// LatencyWindow is the span the status's latency percentiles cover.
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
	if i >= histLen {
		return histLen - 1
	}
	return i
}

// latencyStripes are the per-stripe cumulative histograms of a series.
type latencyStripes struct {
	counts []atomic.Int64 // stripes × histLen, padded
}

const histStride = histLen + 16 // 128 bytes of padding between stripes

func newLatencyStripes(stripes int) latencyStripes {
	return latencyStripes{counts: make([]atomic.Int64, stripes*histStride)}
}

// latencyRing holds the distribution of recent 5-minute slots.
type latencyRing struct {
	base  [histLen]int64 // cumulative stripe sums at the last flush
	epoch [latencySlots]int64
	max   [latencySlots]int64
	slots [latencySlots][histLen]int64
}

func newLatencyRing() *latencyRing {
	r := &latencyRing{}
	for i := range r.epoch {
		r.epoch[i] = -1
	}
	return r
}

func (r *latencyRing) slot(b int64) int {
	n := int64(latencySlots)
	return int(((b % n) + n) % n)
}

// flush moves what the stripes counted since the last flush into the slot
// holding the instant at (nanoseconds).
func (r *latencyRing) flush(ls *latencyStripes, stripes []stripe, at int64) {
	b := floorDiv(at, latencySlotWidth)
	i := r.slot(b)
	if r.epoch[i] != b {
		if r.epoch[i] > b {
			// Too old for the ring: keep the base moving so the counts are
			// not attributed later.
			r.absorb(ls, nil)
			return
		}
		r.epoch[i], r.max[i], r.slots[i] = b, 0, [histLen]int64{}
	}
	r.absorb(ls, &r.slots[i])
	for s := range stripes {
		if m := stripes[s].max.Swap(0); m > r.max[i] {
			r.max[i] = m
		}
	}
}

// add adds n latencies of us µs to the slot holding the instant at
// (nanoseconds), with saturation: RecordN's batches too large for the
// stripes.
func (r *latencyRing) add(at, us, n int64) {
	b := floorDiv(at, latencySlotWidth)
	i := r.slot(b)
	if r.epoch[i] != b {
		if r.epoch[i] > b {
			return
		}
		r.epoch[i], r.max[i], r.slots[i] = b, 0, [histLen]int64{}
	}
	k := histIndex(us)
	r.slots[i][k] = addCount(r.slots[i][k], n)
	r.max[i] = max(r.max[i], us)
}

// rewind moves the distributions of the slots after the one holding the
// instant at (nanoseconds) into that one: the clock stepped back.
func (r *latencyRing) rewind(at int64) {
	tb := floorDiv(at, latencySlotWidth)
	j := r.slot(tb)
	if r.epoch[j] > tb { // tb's own slot holds a later bucket: it folds in as it stands
		r.epoch[j] = tb
	}
	for i := range r.epoch {
		if r.epoch[i] <= tb {
			continue
		}
		if r.epoch[j] != tb {
			r.epoch[j], r.max[j], r.slots[j] = tb, 0, [histLen]int64{}
		}
		for k, c := range r.slots[i] {
			r.slots[j][k] = addCount(r.slots[j][k], c)
		}
		r.max[j] = max(r.max[j], r.max[i])
		r.epoch[i], r.max[i], r.slots[i] = -1, 0, [histLen]int64{}
	}
}

func (r *latencyRing) absorb(ls *latencyStripes, into *[histLen]int64) {
	n := len(ls.counts) / histStride
	for k := 0; k < histLen; k++ {
		var c int64
		for s := 0; s < n; s++ {
			c += ls.counts[s*histStride+k].Load()
		}
		if d := c - r.base[k]; d != 0 {
			if into != nil {
				into[k] = addCount(into[k], d)
			}
			r.base[k] = c
		}
	}
}

// Latency summarises the latency distribution of recent events.
type Latency struct {
	// Window is the span the figures cover (LatencyWindow, to 5 minutes).
	Window time.Duration
	// Count is the number of events measured.
	Count int64
	// P50, P90 and P99 are percentiles, each the upper edge of its histogram
	// bucket (within about 6%); Max is exact. Invalid with no events.
	P50, P90, P99, Max Float
}

// summary computes percentiles over the slots of the last hour ending at now.
func (r *latencyRing) summary(now int64) Latency {
	to := floorDiv(now, latencySlotWidth)
	from := to - int64(LatencyWindow)/latencySlotWidth
	counts := make([]int64, histLen)
	var total, maxUS int64
	for b := from; b <= to; b++ {
		i := r.slot(b)
		if r.epoch[i] != b {
			continue
		}
		for k, c := range r.slots[i] {
			counts[k] = addCount(counts[k], c)
			total = addCount(total, c)
		}
		maxUS = max(maxUS, r.max[i])
	}
	l := Latency{Window: LatencyWindow, Count: total}
	if total == 0 {
		return l
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
	sec := func(us int64) Float { return some(float64(us) / 1e6) }
	l.P50 = sec(h.ValueAtQuantile(50))
	l.P90 = sec(h.ValueAtQuantile(90))
	l.P99 = sec(h.ValueAtQuantile(99))
	l.Max = sec(maxUS)
	// A percentile is a bucket's upper edge; never report one above the
	// exact maximum.
	for _, p := range []*Float{&l.P50, &l.P90, &l.P99} {
		p.Value = min(p.Value, l.Max.Value)
	}
	return l
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
