package budget_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// For a latency objective, Timeslices' "good/total ≥ SliceTarget" with good
// = latency ≤ Threshold is "the slice's SliceTarget percentile is at most
// Threshold", exactly: the nearest-rank percentile p of n latencies is the
// ⌈p·n⌉-th smallest, which is ≤ Threshold exactly when at least ⌈p·n⌉ of
// them are, that is when good ≥ p·n (good is a whole number). The tracker
// decides from the events' own durations, not from a histogram, so it
// agrees with a naive per-slice percentile to the slice, at every
// percentile and width; random traffic, with latencies on a 1 ms grid so
// that many equal the threshold.
func TestSliceLatencyPercentileMatchesNaive(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	const threshold = 300 * time.Millisecond
	for _, p := range []float64{0.5, 0.9, 0.95, 0.99} {
		for _, width := range []time.Duration{time.Minute, 5 * time.Minute} {
			o := sli.Objective{Name: "lat", Kind: sli.Latency, Threshold: threshold, Target: 0.99,
				Window: sli.Rolling(24 * time.Hour), Budgeting: sli.Timeslices, SliceWidth: width, SliceTarget: p}
			tr, clk, ss := sliceTracker(t, t0, o)
			var wantGood, wantBad, wantEmpty int64
			for k := range 120 {
				start := t0.Add(time.Duration(k) * width)
				n := rng.IntN(60)
				if rng.IntN(8) == 0 {
					n = 0
				}
				lat := make([]time.Duration, n)
				at := make([]time.Duration, n)
				for i := range lat {
					// Around the threshold: from 200 ms to 400 ms, a slice's
					// share of fast calls drawn per slice.
					fast := rng.Float64()
					if rng.Float64() < fast {
						lat[i] = time.Duration(200+rng.IntN(101)) * time.Millisecond
					} else {
						lat[i] = time.Duration(300+rng.IntN(101)) * time.Millisecond
					}
					at[i] = time.Duration(rng.Int64N(int64(width)))
				}
				slices.Sort(at)
				for i := range lat {
					clk.Set(start.Add(at[i]))
					ss[0].Record(sli.Event{Time: start.Add(at[i]), Outcome: sli.Good, Duration: lat[i]})
				}
				switch {
				case n == 0:
					wantEmpty++
					wantGood++ // empty slices are good by default
				case naivePercentile(lat, p) <= threshold:
					wantGood++
				default:
					wantBad++
				}
				clk.Set(start.Add(width))
				b := tr.Status()[0].Slices
				if b.Good != wantGood || b.Bad != wantBad || b.Empty != wantEmpty {
					t.Fatalf("p%v, %v slices, slice %d (%d calls): tracker %d good %d bad %d empty, naive %d, %d, %d",
						p*100, width, k, n, b.Good, b.Bad, b.Empty, wantGood, wantBad, wantEmpty)
				}
			}
			t.Logf("p%v, %v slices: %d good, %d bad, %d empty", p*100, width, wantGood, wantBad, wantEmpty)
		}
	}
}

// naivePercentile is the nearest-rank percentile p of the latencies: the
// ⌈p·n⌉-th smallest.
func naivePercentile(lat []time.Duration, p float64) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	r := int(math.Ceil(p*float64(len(s)) - 1e-9))
	return s[max(r, 1)-1]
}
