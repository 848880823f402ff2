package window

import (
	"encoding/binary"
	"testing"
	"time"
)

// FuzzRingAddRemove drives one ring with adds, removals (corrections
// declared after the fact) and rewinds (the clock stepping back), decoded
// from the input, and checks after each step that no count is negative,
// that the coarse tier, which holds the whole span used, totals exactly
// what was added minus what was removed, that no finer tier holds more of
// a coarse bucket than the coarse bucket itself (among the buckets within
// its reach: older slots may hold stale buckets that nothing reads), and
// that no window reads a negative count.
func FuzzRingAddRemove(f *testing.F) {
	f.Add([]byte{0, 0, 1, 5, 3, 0, 0, 2, 1, 0, 0, 0, 0, 9, 0})
	f.Add([]byte{0, 0, 10, 7, 7, 0, 1, 0, 200, 1, 0, 1, 0, 0, 64, 1, 2, 0, 50, 0, 0, 0, 0, 30, 4, 1, 0, 0, 0, 255})
	f.Add([]byte{2, 10, 0, 0, 20, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Fuzz(func(t *testing.T, in []byte) {
		const span = 24 * time.Hour
		r := NewRing(span)
		base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixNano()
		fineSpan := int64(span) / FineWidth // every bucket used lies in [base, base+span)
		var added, removed Counts
		u16 := func() int64 {
			if len(in) < 2 {
				in = nil
				return 0
			}
			v := int64(binary.BigEndian.Uint16(in))
			in = in[2:]
			return v
		}
		for step := 0; len(in) > 0; step++ {
			op := in[0] % 3
			in = in[1:]
			switch op {
			case 0: // add good and bad to a fine bucket
				fb := FloorDiv(base, FineWidth) + u16()*7%fineSpan
				g, b := u16(), u16()%50
				c := &r.tiers[2]
				took := c.add(FloorDiv(fb*FineWidth, c.width), 0, 0) // does the coarse tier hold it?
				if took {
					r.Add(fb, g, b)
					added.Good += g
					added.Bad += b
				}
			case 1: // remove a span, as a correction declared afterwards does
				start := base + u16()*int64(time.Second)*2
				end := start + u16()*int64(time.Second)/4
				x := r.Remove(start, end)
				if x.Good < 0 || x.Bad < 0 {
					t.Fatalf("step %d: remove returned %+v", step, x)
				}
				removed.Good += x.Good
				removed.Bad += x.Bad
			case 2: // the clock steps back to an instant
				r.Rewind(base + u16()*int64(time.Second))
			}
			checkRing(t, step, &r, added, removed)
			for _, d := range []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour, span} {
				end := base + int64(span) - 1
				if c, _ := r.Span(end-int64(d), end, false); c.Good < 0 || c.Bad < 0 {
					t.Fatalf("step %d: window %v reads %+v", step, d, c)
				}
			}
		}
	})
}

func checkRing(t *testing.T, step int, r *Ring, added, removed Counts) {
	t.Helper()
	for i := range r.tiers {
		tr := &r.tiers[i]
		for k := range tr.n {
			if tr.good.get(k) < 0 || tr.bad.get(k) < 0 {
				t.Fatalf("step %d: tier %d slot %d holds %d good %d bad", step, i, k, tr.good.get(k), tr.bad.get(k))
			}
		}
	}
	c := &r.tiers[2]
	var total Counts
	for k := range c.n {
		total.Good += c.good.get(k)
		total.Bad += c.bad.get(k)
	}
	if want := (Counts{added.Good - removed.Good, added.Bad - removed.Bad}); total != want {
		t.Fatalf("step %d: coarse tier totals %+v; added %+v − removed %+v = %+v", step, total, added, removed, want)
	}
	for i := 0; i < 2; i++ {
		f := &r.tiers[i]
		if f.newest == none {
			continue
		}
		for e := f.oldest(); e <= f.newest; e++ {
			for j := i + 1; j < 3; j++ {
				u := &r.tiers[j]
				ub := FloorDiv(e*f.width, u.width)
				m := u.slot(ub)
				if !u.holds(ub) {
					continue
				}
				per := u.width / f.width
				s := f.Sum(max(ub*per, f.oldest()), ub*per+per-1)
				if s.Good > u.good.get(m) || s.Bad > u.bad.get(m) {
					t.Fatalf("step %d: tier %d holds %+v of tier %d bucket %d, which holds %d good %d bad", step, i, s, j, ub, u.good.get(m), u.bad.get(m))
				}
			}
		}
	}
}
