package budget

import (
	"math/rand/v2"
	"testing"
)

// naiveSum is tier.sum as first written: each bucket's slot found by
// division. The walking sum must agree with it on every range.
func naiveSum(t *tier, from, to int64) (good, bad int64) {
	if to-from >= int64(len(t.epoch)) {
		from = to - int64(len(t.epoch)) + 1
	}
	for b := from; b <= to; b++ {
		if i := t.slot(b); t.epoch[i] == b {
			good += t.good[i]
			bad += t.bad[i]
		}
	}
	return good, bad
}

func TestTierSumMatchesNaive(t *testing.T) {
	t.Logf("seed PCG(1, 2)")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, slots := range []int{1, 2, 7, 64} {
		tr := newTier(fineWidth, slots)
		// Buckets around zero (times before 1970 included), written sparsely
		// and out of order, so that some slots hold stale buckets.
		for range 4 * slots {
			tr.add(rng.Int64N(6*int64(slots))-3*int64(slots), rng.Int64N(100), rng.Int64N(10))
		}
		for range 2000 {
			from := rng.Int64N(8*int64(slots)) - 4*int64(slots)
			to := from + rng.Int64N(3*int64(slots)) - 2 // empty ranges too
			g, b := tr.sum(from, to)
			wg, wb := naiveSum(&tr, from, to)
			if g != wg || b != wb {
				t.Fatalf("%d slots: sum(%d, %d) = %d, %d; want %d, %d", slots, from, to, g, b, wg, wb)
			}
		}
	}
}
