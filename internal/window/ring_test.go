package window

import (
	"math/rand/v2"
	"testing"
	"time"
)

// naiveSum is tier.sum as first written: each bucket's slot found by
// division. The walking sum must agree with it on every range.
func naiveSum(t *Tier, from, to int64) (good, bad int64) {
	if to-from >= int64(t.n) {
		from = to - int64(t.n) + 1
	}
	for b := from; b <= to; b++ {
		if c, ok := t.Bucket(b); ok {
			good += c.Good
			bad += c.Bad
		}
	}
	return good, bad
}

func TestTierSumMatchesNaive(t *testing.T) {
	t.Logf("seed PCG(1, 2)")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, slots := range []int{1, 2, 7, 64} {
		tr := newTier(FineWidth, slots)
		// Buckets around zero (times before 1970 included), written sparsely
		// and out of order, so that some slots hold stale buckets.
		for range 4 * slots {
			tr.add(rng.Int64N(6*int64(slots))-3*int64(slots), rng.Int64N(100), rng.Int64N(10))
		}
		for range 2000 {
			from := rng.Int64N(8*int64(slots)) - 4*int64(slots)
			to := from + rng.Int64N(3*int64(slots)) - 2 // empty ranges too
			s := tr.Sum(from, to)
			g, b := s.Good, s.Bad
			wg, wb := naiveSum(&tr, from, to)
			if g != wg || b != wb {
				t.Fatalf("%d slots: sum(%d, %d) = %d, %d; want %d, %d", slots, from, to, g, b, wg, wb)
			}
		}
	}
}

const day = 24 * time.Hour

// TestRingRemove fills a ring at random, removes random spans, and checks
// that every tier lost what the finest tier holding the span held, that
// the tiers still agree, and that nothing outside the span's edge buckets
// was touched.
func TestRingRemove(t *testing.T) {
	t.Logf("seed PCG(3, 4)")
	rng := rand.New(rand.NewPCG(3, 4))
	end := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC).UnixNano()
	for trial := range 40 {
		r := NewRing(30 * 24 * time.Hour)
		// Forty days of buckets: a few events in most fine buckets of the
		// last eight hours, in a few fine buckets of each 5 minutes before.
		recent := FloorDiv(end-int64(8*time.Hour), FineWidth)
		for fb := FloorDiv(end-int64(40*day), FineWidth); fb < recent; fb += 10 + rng.Int64N(20) {
			r.Add(fb, rng.Int64N(5), rng.Int64N(2))
		}
		for fb := recent; fb <= FloorDiv(end, FineWidth); fb++ {
			if rng.IntN(4) > 0 {
				r.Add(fb, rng.Int64N(5), rng.Int64N(2))
			}
		}
		coarseBefore := r.Window(30*day, end)
		span := [2]int64{end - rng.Int64N(int64(35*day)), 0}
		span[1] = span[0] + rng.Int64N(int64(3*day))
		if trial%4 == 0 {
			span[1] = span[0] + rng.Int64N(int64(time.Hour)) // short spans too
		}
		var pre [3]int64
		for i := range r.tiers {
			tr := &r.tiers[i]
			pre[i] = tr.sumHeld(FloorDiv(span[0], tr.width)+1, FloorDiv(span[1]-1, tr.width)-1).Total()
		}
		removed := r.Remove(span[0], span[1])
		after := r.Window(30*day, end)
		// The coarse tier lost exactly what remove reports, for the part
		// of the span within its reach.
		if d := coarseBefore.Total() - after.Total(); d > removed.Total() {
			t.Errorf("trial %d: the period lost %d, more than the %d removed", trial, d, removed.Total())
		}
		for i := range r.tiers {
			tr := &r.tiers[i]
			// Inside the span, away from its edge buckets, nothing is left
			// in any tier that holds it.
			in := tr.sumHeld(FloorDiv(span[0], tr.width)+1, FloorDiv(span[1]-1, tr.width)-1)
			if in.Total() != 0 {
				t.Errorf("trial %d: tier %d keeps %d events inside the span %v..%v before end (%d before)", trial, i, in.Total(), time.Duration(end-span[0]), time.Duration(end-span[1]), pre[i])
			}
			for j := range tr.n {
				if tr.good.get(j) < 0 || tr.bad.get(j) < 0 {
					t.Fatalf("trial %d: tier %d slot %d went negative", trial, i, j)
				}
			}
		}
		// Coarser tiers hold at least what the finer tier holds of each
		// bucket (equal where the finer tier holds it all).
		for i := 1; i < len(r.tiers); i++ {
			c, f := &r.tiers[i], &r.tiers[i-1]
			per := c.width / f.width
			reach := f.oldest()
			for b := c.oldest(); b <= c.newest; b++ {
				j := c.slot(b)
				s := f.Sum(max(b*per, reach), b*per+per-1)
				g, bd := s.Good, s.Bad
				if c.good.get(j) < g || c.bad.get(j) < bd {
					t.Fatalf("trial %d: tier %d bucket %d holds %d/%d, less than tier %d's %d/%d", trial, i, b, c.good.get(j), c.bad.get(j), i-1, g, bd)
				}
			}
		}
	}
}

func (t *Tier) sumHeld(from, to int64) Counts {
	from = max(from, t.oldest())
	if to < from {
		return Counts{}
	}
	return t.Sum(from, to)
}

// TestFirstBucketMatchesNaive checks FirstBucket, which walks runs of
// slots, against a bucket-by-bucket search, on tiers written sparsely and
// out of order, in every cell width.
func TestFirstBucketMatchesNaive(t *testing.T) {
	t.Logf("seed PCG(3, 4)")
	rng := rand.New(rand.NewPCG(3, 4))
	for _, slots := range []int{1, 2, 7, 64} {
		for _, big := range []int64{0, 1 << 20, 1 << 40} {
			tr := newTier(FineWidth, slots)
			for range slots / 2 {
				tr.add(rng.Int64N(6*int64(slots))-3*int64(slots), rng.Int64N(3)*big, rng.Int64N(2))
			}
			for range 2000 {
				from := rng.Int64N(8*int64(slots)) - 4*int64(slots)
				to := from + rng.Int64N(3*int64(slots)) - 2
				got, gotOK := tr.FirstBucket(from, to)
				want, wantOK := int64(0), false // FirstBucket as first written
				for b := max(from, to-int64(slots)+1, tr.newest-int64(slots)+1); b <= min(to, tr.newest); b++ {
					if i := tr.slot(b); tr.good.get(i)+tr.bad.get(i) > 0 {
						want, wantOK = b, true
						break
					}
				}
				if got != want || gotOK != wantOK {
					t.Fatalf("%d slots: FirstBucket(%d, %d) = %d %v, want %d %v", slots, from, to, got, gotOK, want, wantOK)
				}
			}
		}
	}
}
