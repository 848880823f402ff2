package window

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestRestoreTierIsRestore: RestoreTier builds the ring that Restore builds
// one bucket at a time, on the fast path (a fresh ring) and off it (buckets
// beyond the reach, after the clock, before lo, a ring holding counts).
func TestRestoreTierIsRestore(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 5))
	span := 30 * 24 * time.Hour
	for round := range 200 {
		hi := int64(1_800_000_000)*int64(time.Second) + rng.Int64N(int64(time.Hour))
		lo := hi - int64(span)
		fast, slow := NewRing(span), NewRing(span)
		if round%4 == 3 { // not fresh
			fast.Add(hi/FineWidth-3, 1, 1)
			slow.Add(hi/FineWidth-3, 1, 1)
		}
		for i := range 3 {
			w := fast.tiers[i].width
			n := int64(fast.tiers[i].n)
			end := FloorDiv(hi, w) + rng.Int64N(3) - 1 // sometimes one after the clock
			var bs []Bucket
			start := end - n - rng.Int64N(3) // beyond the reach
			if round%2 == 0 {
				start = end - n + 1 + rng.Int64N(3) // within it: the fast path
			}
			for b := start; b <= end; b++ {
				if rng.IntN(4) > 0 {
					bs = append(bs, Bucket{N: b, Good: rng.Int64N(100000), Bad: rng.Int64N(3)})
				}
			}
			var want int64
			for _, x := range bs {
				if !slow.Restore(i, x, lo, hi) {
					want += x.Good + x.Bad
				}
			}
			if got := fast.RestoreTier(i, bs, lo, hi); got != want {
				t.Fatalf("round %d tier %d: outside %d, want %d", round, i, got, want)
			}
			if a, b := slices.Collect(fast.Buckets(i)), slices.Collect(slow.Buckets(i)); !slices.Equal(a, b) {
				t.Fatalf("round %d tier %d: the rings differ", round, i)
			}
			if fast.tiers[i].newest != slow.tiers[i].newest {
				t.Fatalf("round %d tier %d: newest %d, want %d", round, i, fast.tiers[i].newest, slow.tiers[i].newest)
			}
		}
	}
}
