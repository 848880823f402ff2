package window

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/errbudget/errbudget/state"
)

// Item 2: a step back folds every latency recorded ahead of the clock into
// the slot of the clock's reading, including what that slot itself held
// for a later bucket (a step back of more than the ring's 65 minutes
// always finds one there): nothing is lost.
func TestLatencyRewindKeepsTheClockSlotsOwnLaterBucket(t *testing.T) {
	for _, back := range []int64{1, 5, 13, 14, 20, 13 * 24 * 40} {
		r := NewLatencyRing()
		const b0 = 1_000_000
		for k := int64(0); k < latencySlots; k++ {
			r.Add((b0+k)*LatencySlotWidth, 100+k, 1)
		}
		tb := b0 + latencySlots - 1 - back
		r.Rewind(tb*LatencySlotWidth + 7)
		var n, tbMax int64
		r.each(func(b, mx int64, counts *[HistLen]int64) {
			if b > tb {
				t.Errorf("back %d: the ring still holds bucket %d, ahead of the clock's %d", back, b, tb)
			}
			for _, c := range counts {
				n += c
			}
			if b == tb {
				tbMax = mx
			}
		})
		if n != latencySlots {
			t.Errorf("back %d buckets: %d latencies after the rewind, want %d", back, n, latencySlots)
		}
		if tbMax != 100+latencySlots-1 {
			t.Errorf("back %d: max %d at the clock's slot, want %d", back, tbMax, 100+latencySlots-1)
		}
	}
}

// TestValueAtMatchesHdrHistogram checks the percentiles Summary reads
// (valueAt) against hdrhistogram-go's own over random histograms: sparse,
// dense, one bucket, counts up to the saturated range, every bucket edge.
func TestValueAtMatchesHdrHistogram(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	for it := range 3000 {
		var counts [HistLen]int64
		switch it % 4 {
		case 0: // one bucket
			counts[rng.IntN(HistLen)] = 1 + rng.Int64N(1000)
		case 1: // a few
			for range 1 + rng.IntN(8) {
				counts[rng.IntN(HistLen)] += 1 + rng.Int64N(1<<40)
			}
		case 2: // a log-normal-ish clump
			c := rng.IntN(HistLen)
			for k := max(c-40, 0); k < min(c+40, HistLen); k++ {
				counts[k] = rng.Int64N(1000)
			}
		default: // everywhere
			for k := range counts {
				counts[k] = rng.Int64N(1 << 50)
			}
		}
		var total int64
		for _, c := range counts {
			total += c
		}
		if total == 0 {
			continue
		}
		h := hdrhistogram.Import(&hdrhistogram.Snapshot{LowestTrackableValue: 1, HighestTrackableValue: histHighest, SignificantFigures: 1, Counts: counts[:]})
		for _, q := range []float64{50, 90, 99, 99.9, 0.001, 100, rng.Float64() * 100} {
			if got, want := valueAt(&counts, total, q), h.ValueAtQuantile(q); got != want {
				t.Fatalf("seed %d, histogram %d: p%v = %d, hdrhistogram says %d", seed, it, q, got, want)
			}
		}
	}
	for i := range HistLen { // each bucket's upper edge is the last value it takes
		v := highestEquivalent(i)
		if histIndex(v) != i || i+1 < HistLen && histIndex(v+1) != i+1 {
			t.Fatalf("bucket %d: highest value %d (index %d, next %d)", i, v, histIndex(v), histIndex(v+1))
		}
	}
}

// summaryByImport is Summary as it was before valueAt: every slot summed
// through each, the percentiles read from an imported hdrhistogram.
func summaryByImport(r *LatencyRing, now int64) Quantiles {
	to := FloorDiv(now, LatencySlotWidth)
	from := to - int64(LatencyWindow)/LatencySlotWidth
	var all [HistLen]int64
	var maxUS int64
	r.each(func(n, mx int64, counts *[HistLen]int64) {
		if n >= from && n <= to {
			for k, c := range counts {
				all[k] = AddCount(all[k], c)
			}
			maxUS = max(maxUS, mx)
		}
	})
	var total int64
	for _, c := range all {
		total = AddCount(total, c)
	}
	q := Quantiles{Count: total}
	if total == 0 {
		return q
	}
	for total == MaxCount || sumCounts(all[:]) < 0 {
		total = 0
		for k := range all {
			if all[k] > 0 {
				all[k] = max(all[k]>>8, 1)
				total += all[k]
			}
		}
	}
	h := hdrhistogram.Import(&hdrhistogram.Snapshot{LowestTrackableValue: 1, HighestTrackableValue: histHighest, SignificantFigures: 1, Counts: all[:]})
	q.P50 = min(h.ValueAtQuantile(50), maxUS)
	q.P90 = min(h.ValueAtQuantile(90), maxUS)
	q.P99 = min(h.ValueAtQuantile(99), maxUS)
	q.Max = maxUS
	return q
}

// TestSummaryMatchesImport records random latencies into a ring (late
// ones, huge batches, steps back included) and compares Summary with the
// import into hdrhistogram it replaced, at instants around the ring.
func TestSummaryMatchesImport(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	r := NewLatencyRing()
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixNano()
	for step := range 5000 {
		switch op := rng.IntN(100); {
		case op < 60:
			now += rng.Int64N(int64(time.Minute))
			r.Add(now, rng.Int64N(int64(time.Minute/time.Microsecond)), 1+rng.Int64N(20))
		case op < 85:
			r.Add(now-rng.Int64N(int64(2*time.Hour)), rng.Int64N(1e6), 1+rng.Int64N(20))
		case op < 88:
			r.Add(now, rng.Int64N(1e6), MaxCount/3)
		case op < 97:
			now += rng.Int64N(int64(30 * time.Minute))
		default:
			now -= rng.Int64N(int64(30 * time.Minute))
			r.Rewind(now)
		}
		for _, at := range []int64{now, now, now - rng.Int64N(int64(2*time.Hour)), now + rng.Int64N(int64(time.Hour)), now} { // repeated: the kept sum of the old slots serves
			if got, want := r.Summary(at), summaryByImport(r, at); got != want {
				t.Fatalf("seed %d, step %d: Summary(%d) = %+v, by import %+v", seed, step, at, got, want)
			}
		}
	}
}

// Every non-zero bucket of the current slot is marked, whatever wrote it
// (a flush of the stripes, Add, Restore, Rewind), so that packing and
// clearing the marked buckets alone lose nothing: packMarked equals pack.
func TestLatencyMarksCoverTheCurrentSlot(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	ring := NewLatencyRing()
	s := NewStripes(4, true)
	slot := int64(1_000_000)
	for step := range 5000 {
		us := int64(r.ExpFloat64() * 50_000)
		at := slot*LatencySlotWidth + r.Int64N(LatencySlotWidth)
		switch r.IntN(20) {
		case 0:
			slot++ // the next flush packs the slot and clears it
		case 1:
			ring.Add(at, us, 1+r.Int64N(3))
		case 2:
			ring.Restore(LatencySlot{N: slot - r.Int64N(3), Max: us, Counts: []state.HistogramCount{{Index: histIndex(us), Count: 2}}}, at)
		case 3:
			if r.IntN(10) == 0 {
				slot -= r.Int64N(3)
				ring.Rewind(slot * LatencySlotWidth)
			}
		default:
			if !s.AddLatency(s.Index(), us, 1) {
				ring.Record(s, s.Index(), us, 1, at)
			}
			if r.IntN(5) == 0 {
				ring.Flush(s, at)
			}
		}
		for k, c := range &ring.dense {
			if c != 0 && ring.marks[k/64]&(1<<(k%64)) == 0 {
				t.Fatalf("step %d: bucket %d holds %d, unmarked", step, k, c)
			}
		}
		if a, b := pack(nil, &ring.dense), packMarked(nil, &ring.dense, &ring.marks); string(a) != string(b) {
			t.Fatalf("step %d: packMarked %x, pack %x", step, b, a)
		}
	}
}
