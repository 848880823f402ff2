package window

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestSumKeptMatchesSum drives small tiers with adds (new buckets, late
// ones, jumps past the whole ring), rewinds and removals, and reads
// windows that move back and forth through running sums; each must equal
// the walk (Sum) of the same range.
func TestSumKeptMatchesSum(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 13))
	for _, slots := range []int{1, 2, 7, 64} {
		tr := newTier(FineWidth, slots)
		n := int64(slots)
		now := rng.Int64N(10*n) - 5*n
		lens := []int64{0, 1, n / 2, n - 1, n, n + 3}
		for step := range 20000 {
			switch op := rng.IntN(100); {
			case op < 50: // the clock moves on, mostly by little
				now += rng.Int64N(3)
				if rng.IntN(50) == 0 {
					now += rng.Int64N(3 * n)
				}
				tr.add(now, rng.Int64N(100), rng.Int64N(5))
			case op < 70: // a late event
				tr.add(now-rng.Int64N(n+2), rng.Int64N(100), rng.Int64N(5))
			case op < 72: // the clock steps back
				now -= rng.Int64N(n + 1)
				tr.rewind(now)
			case op < 74: // a huge count: sums stop at MaxCount
				tr.add(now, MaxCount/2, 0)
			case op < 75:
				tr.dropKept()
			}
			for key, l := range lens {
				to := now - rng.Int64N(2)*rng.Int64N(3) // mostly now, sometimes a little before
				from := to - l
				got, want := tr.SumKept(key, from, to), tr.Sum(from, to)
				if got != want {
					t.Fatalf("seed %d, %d slots, step %d: SumKept(%d, %d, %d) = %+v, Sum = %+v", seed, slots, step, key, from, to, got, want)
				}
			}
		}
	}
}

// TestSpanKeptMatchesSpan records random traffic into a ring, late events,
// clock steps back, corrections (Remove) and restores included, and reads
// the standard windows and a period at the moving clock through running
// sums after every step: each must equal the walk (Span) of the same
// window.
func TestSpanKeptMatchesSpan(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 31))
	const span = 5 * day
	windows := []time.Duration{span, 72 * time.Hour, 24 * time.Hour, 6 * time.Hour, 2 * time.Hour, time.Hour, 30 * time.Minute, 5 * time.Minute}
	r := NewRing(span)
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixNano()
	steps := 30000
	if testing.Short() {
		steps = 5000
	}
	for step := range steps {
		switch op := rng.IntN(1000); {
		case op < 600: // traffic, the clock moving on by up to a minute
			now += rng.Int64N(int64(time.Minute))
			r.Add(FloorDiv(now, FineWidth), rng.Int64N(50), rng.Int64N(3))
		case op < 700: // a late event, up to the horizon back
			back := rng.Int64N(int64(time.Hour))
			if rng.IntN(4) == 0 {
				back = rng.Int64N(int64(span))
			}
			r.Add(FloorDiv(now-back, FineWidth), rng.Int64N(50), rng.Int64N(3))
		case op < 990: // time passes without traffic
			now += rng.Int64N(int64(10 * time.Minute))
			if rng.IntN(20) == 0 {
				now += rng.Int64N(int64(2 * day))
			}
		case op < 994: // the clock steps back
			now -= rng.Int64N(int64(3 * time.Hour))
			r.Rewind(now)
		case op < 997: // a correction declared afterwards
			start := now - rng.Int64N(int64(span))
			r.Remove(start, start+rng.Int64N(int64(6*time.Hour)))
		default: // a restored bucket of some tier
			i := rng.IntN(3)
			w := r.tiers[i].width
			b := FloorDiv(now-rng.Int64N(int64(span)), w)
			r.Restore(i, Bucket{N: b, Good: rng.Int64N(100), Bad: rng.Int64N(5)}, now-int64(span), now)
		}
		for key, d := range windows {
			start := now - int64(d)
			got, gotHeld := r.SpanKept(key, start, now)
			want, wantHeld := r.Span(start, now, false)
			if got != want || gotHeld != wantHeld {
				t.Fatalf("seed %d, step %d: window %v: SpanKept = %+v %v, Span = %+v %v", seed, step, d, got, gotHeld, want, wantHeld)
			}
		}
	}
}
