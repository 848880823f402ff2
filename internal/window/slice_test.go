package window

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/errbudget/errbudget/internal/wire"
)

// Count agrees with a per-slice tally over random verdicts and spans,
// recent (one by one) and old (whole 15-minute buckets); Encode and
// DecodeSlices carry every verdict.
func TestSlicesCountAndEncode(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	width := int64(time.Minute)
	const coarse = 3 * 24 * 4 // 3 days of 15-minute buckets
	s := NewSlices(width, coarse, 1000, true)
	var vs []SliceVerdict
	var sp []uint32
	for i := range 2000 {
		v := SliceVerdict(rng.IntN(3))
		var x uint32
		if v == SliceBad {
			x = uint32(rng.IntN(SliceUnit))
		}
		if !s.Decide(1000+int64(i), v, x) {
			t.Fatalf("slice %d refused", i)
		}
		vs, sp = append(vs, v), append(sp, x)
	}
	naive := func(from, to int64) (c SliceCounts) {
		for i := from; i < to; i++ {
			switch vs[i-1000] {
			case SliceGood:
				c.Good++
			case SliceBad:
				c.Bad++
			default:
				c.Empty++
			}
			c.Spent += int64(sp[i-1000])
		}
		return c
	}
	lo := s.Next() - int64(RecentSlices(width))
	for q := range 400 {
		if q%3 == 0 {
			// Decide a recent slice again (a late event): the sums cached
			// for the coarse buckets that hold it must follow.
			i := lo + int64(rng.IntN(30))
			v := SliceVerdict(rng.IntN(3))
			var x uint32
			if v == SliceBad {
				x = uint32(rng.IntN(SliceUnit))
			}
			if !s.Decide(i, v, x) {
				t.Fatalf("recent slice %d refused", i)
			}
			vs[i-1000], sp[i-1000] = v, x
		}
		to := s.Next() - int64(rng.IntN(100))
		from := to - int64(rng.IntN(1500))
		want := naive(max(from, 1000), to)
		if from < lo {
			// The old part counts whole buckets from the first that starts
			// at or after from.
			want = naive(max(FloorDiv(from+14, 15)*15, 1000), to)
		}
		if got := s.Count(from, to); got != want {
			t.Fatalf("Count(%d, %d) = %+v, want %+v (recent from %d)", from, to, got, want, lo)
		}
	}
	var e wire.Encoder
	s.Encode(&e)
	d := &wire.Decoder{B: e.Buf}
	r := DecodeSlices(d, width, coarse, true)
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	for from := int64(900); from < s.Next(); from += 37 {
		if a, b := r.Count(from, s.Next()), s.Count(from, s.Next()); a != b {
			t.Fatalf("decoded Count(%d) = %+v, want %+v", from, a, b)
		}
	}
	t.Logf("%d slices encoded in %d bytes", s.Next()-s.First(), len(e.Buf))
}
