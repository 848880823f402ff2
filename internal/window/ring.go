package window

import (
	"iter"
	"math"
	"time"

	"github.com/errbudget/errbudget/state"
)

// The tiers' bucket widths (ns). A window edge is off by less than the width
// of the tier that serves it.
const (
	FineWidth   = int64(10 * time.Second)
	MediumWidth = int64(5 * time.Minute)
	CoarseWidth = int64(15 * time.Minute)

	fineSlots   = 2304
	mediumSlots = 912
)

// Tier is one tier of a Ring: fixed-width buckets in a ring of slots.
type Tier struct {
	width  int64 // nanoseconds
	newest int64 // the newest bucket added since the clock last stepped back
	epoch  []int64
	good   []int64
	bad    []int64

	// Slots that held a bucket ahead of the clock when it stepped back
	// (rewind) hold the epoch damaged until written again: the bucket they
	// held before may be lost, so no range up to rewoundAt that reads them
	// is served. ndamaged counts them, so that an intact tier pays nothing.
	ndamaged  int
	rewoundAt int64
	lossy     int64 // a bucket rewind wrote into a damaged slot: it may lack its own counts
}

// damaged is the epoch of a slot emptied by rewind (empty slots hold -1).
const damaged = -2

func newTier(width int64, slots int) Tier {
	t := Tier{width: width, newest: -1 << 62, lossy: -1 << 62, epoch: make([]int64, slots), good: make([]int64, slots), bad: make([]int64, slots)}
	for i := range t.epoch {
		t.epoch[i] = -1
	}
	return t
}

// coarseSlots is the coarse tier's size for a span: its buckets and three
// more (a partial one at each end, and one for an event up to a minute ahead).
func coarseSlots(span time.Duration) int {
	return int(int64(span)/CoarseWidth) + 3
}

func (t *Tier) slot(b int64) int {
	n := int64(len(t.epoch))
	return int(((b % n) + n) % n)
}

// add adds counts to bucket b (in this tier's units). A bucket older than the
// slot's current one has left the ring; it is not added and add reports false.
func (t *Tier) add(b, good, bad int64) bool {
	i := t.slot(b)
	switch e := t.epoch[i]; {
	case e == b:
	case e > b:
		return false
	default:
		if e == damaged {
			t.ndamaged--
		}
		t.epoch[i], t.good[i], t.bad[i] = b, 0, 0
		t.newest = max(t.newest, b)
	}
	t.good[i] = AddCount(t.good[i], good)
	t.bad[i] = AddCount(t.bad[i], bad)
	return true
}

// Sum adds up buckets from..to inclusive (this tier's units).
//
// A status sums some 14,000 buckets over its windows (a 30-day period at
// 15 minutes, 6 hours at 10 s, and most windows twice, for the alerts), so
// sum walks the ring in at most two contiguous runs rather than finding each
// bucket's slot with two divisions: BenchmarkStatus fell from 110 µs to
// 22 µs.
func (t *Tier) Sum(from, to int64) (c Counts) {
	if to-from >= int64(len(t.epoch)) {
		from = to - int64(len(t.epoch)) + 1
	}
	for b, i := from, t.slot(from); b <= to; i = 0 {
		k := min(int(to-b+1), len(t.epoch)-i)
		ep := t.epoch[i : i+k]
		g, bd := t.good[i:i+k], t.bad[i:i+k]
		g, bd = g[:len(ep)], bd[:len(ep)] // lets the compiler drop bounds checks
		for j, e := range ep {
			if e == b {
				c = c.Plus(Counts{g[j], bd[j]})
			}
			b++
		}
	}
	return c
}

// FloorDiv is a / b rounded toward negative infinity.
func FloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Counts are exact good/bad counts over some span.
type Counts struct{ Good, Bad int64 }

// Plus returns c + d, each count saturated at MaxCount.
func (c Counts) Plus(d Counts) Counts {
	return Counts{AddCount(c.Good, d.Good), AddCount(c.Bad, d.Bad)}
}

// Total returns Good + Bad.
func (c Counts) Total() int64 { return c.Good + c.Bad }

// Ring is the three tiers of one series. It is not safe for concurrent
// use: its owner guards it with a mutex.
type Ring struct {
	tiers [3]Tier
}

// NewRing returns a ring whose coarse tier holds span (a series' horizon).
func NewRing(span time.Duration) Ring {
	return Ring{tiers: [3]Tier{
		newTier(FineWidth, fineSlots),
		newTier(MediumWidth, mediumSlots),
		newTier(CoarseWidth, coarseSlots(span)),
	}}
}

// Add places counts of the fine bucket fb in every tier that still holds it.
// It reports whether any tier took them.
func (r *Ring) Add(fb, good, bad int64) bool {
	ns := fb * FineWidth
	took := false
	for i := range r.tiers {
		t := &r.tiers[i]
		if t.add(FloorDiv(ns, t.width), good, bad) {
			took = true
		}
	}
	return took
}

// Window returns the counts of the window of length d ending at the instant
// end (nanoseconds): the buckets of the finest tier spanning it that
// intersect [end − d, end].
func (r *Ring) Window(d time.Duration, end int64) Counts {
	t, from, to := r.TierFor(end-int64(d), end)
	return t.Sum(from, to)
}

// Serves reports whether the tier still holds every bucket from..to (its
// units) with its own counts: the range fits the ring, and no bucket of it
// can have been overwritten by a newer one (an event ahead of the clock, a
// status asked for an earlier instant).
func (t *Tier) Serves(from, to int64) bool {
	n := int64(len(t.epoch))
	return to-from < n && from > t.newest-n && (t.ndamaged == 0 || t.intact(from, to)) && (t.lossy < from || t.lossy > to)
}

// intact reports whether no bucket from..to reads a damaged slot.
func (t *Tier) intact(from, to int64) bool {
	for b := from; b <= min(to, t.rewoundAt); b++ {
		if t.epoch[t.slot(b)] == damaged {
			return false
		}
	}
	return true
}

// rewind moves the counts of every bucket after tb into tb: the clock
// stepped back behind events already recorded (see Series.followClock).
// The slots those buckets held are marked damaged. So are the slots of
// buckets that the tier's reach, moving back with its newest bucket, takes
// in again: they went stale when they left it (a correction's removal skips
// them), so their counts are not to be read; the coarser tiers hold theirs.
// The coarsest tier has none coarser: it keeps them (keepStale).
func (t *Tier) rewind(tb int64, keepStale bool) {
	if t.newest <= tb {
		return
	}
	var good, bad int64
	n := int64(len(t.epoch))
	reach := t.newest - n // at or before it a slot is stale: nothing reads it
	for i, e := range t.epoch {
		switch {
		case e > tb && e > reach:
			good, bad = AddCount(good, t.good[i]), AddCount(bad, t.bad[i])
		case e > tb:
		case e > tb-n && e >= 0 && e <= reach && !keepStale:
		default:
			continue
		}
		t.epoch[i], t.good[i], t.bad[i] = damaged, 0, 0
		t.ndamaged++
	}
	t.newest, t.rewoundAt = tb, tb
	if t.epoch[t.slot(tb)] == damaged {
		t.lossy = tb // its slot held another bucket: tb's own counts may be gone
	}
	if good != 0 || bad != 0 {
		t.add(tb, good, bad)
	}
}

// Rewind moves the counts of every bucket after the one holding the instant
// at (nanoseconds) into that one, in every tier: the clock stepped back
// behind events already recorded.
func (r *Ring) Rewind(at int64) {
	for i := range r.tiers {
		t := &r.tiers[i]
		t.rewind(FloorDiv(at, t.width), i == len(r.tiers)-1)
	}
}

// TierFor returns the finest tier that serves the instants [start, end]
// (nanoseconds), with the range of its buckets; the coarsest tier when none
// does. Every window, and the burn-down, reads the tier it returns.
func (r *Ring) TierFor(start, end int64) (t *Tier, from, to int64) {
	for i := range r.tiers {
		t = &r.tiers[i]
		from, to = FloorDiv(start, t.width), FloorDiv(end, t.width)
		if t.Serves(from, to) {
			break
		}
	}
	return t, from, to
}

// Span returns the counts of the window [start, end] (nanoseconds), and
// whether the ring holds it. Each part of the window is read from the
// finest tier that still holds it: the most recent part from the 10-second
// tier, from a boundary of the next tier's buckets on, the part before from
// the 5-minute tier, and so on, so each edge is exact to the width of the
// tier holding it (its start edge reaches back less than that too far).
//
// With past (a status asked for an instant before the clock's reading), the
// bucket holding end counts only when end is its last instant: the rest of
// it lies after end, and its counts may too. The window then stops short of
// end by less than a bucket width instead. A window at the clock's reading
// counts its current bucket, which holds nothing later.
//
// The window is not held when even the coarsest tier no longer reaches its
// start; its counts are then zero. A coarsest-tier slot damaged by a step
// back of the clock (tier.rewind) is read as it stands.
func (r *Ring) Span(start, end int64, past bool) (c Counts, held bool) {
	hi, bounded := int64(0), false // the finer tiers summed [hi, …): a boundary of this tier
	for i := range r.tiers {
		t := &r.tiers[i]
		var to int64
		switch {
		case bounded:
			to = hi/t.width - 1
		case past:
			to = FloorDiv(end+1, t.width) - 1
		default:
			to = FloorDiv(end, t.width)
		}
		from := FloorDiv(start, t.width)
		if from > to {
			return c, true
		}
		n := int64(len(t.epoch))
		last := i == len(r.tiers)-1
		if t.Serves(from, to) || last && to-from < n && from > t.newest-n {
			return c.Plus(t.Sum(from, to)), true
		}
		if last {
			return Counts{}, false
		}
		// The part this tier still holds, from a boundary of the next
		// tier's buckets on.
		per := r.tiers[i+1].width / t.width
		lo := FloorDiv(t.newest-n+1+per-1, per) * per
		if lo <= to && t.Serves(lo, to) {
			c = c.Plus(t.Sum(lo, to))
			hi, bounded = lo*t.width, true
		}
	}
	return c, true
}

// Between returns the counts of the coarse buckets from the one holding the
// instant from to the one holding end (nanoseconds), both included.
func (r *Ring) Between(from, end int64) Counts {
	t := &r.tiers[2]
	return t.Sum(FloorDiv(from, t.width), FloorDiv(end, t.width))
}

// Width returns the tier's bucket width (ns).
func (t *Tier) Width() int64 { return t.width }

// Len returns the number of buckets the tier holds.
func (t *Tier) Len() int64 { return int64(len(t.epoch)) }

// Bucket returns the counts of bucket b, and whether its slot holds it.
func (t *Tier) Bucket(b int64) (Counts, bool) {
	i := t.slot(b)
	return Counts{t.good[i], t.bad[i]}, t.epoch[i] == b
}

// FirstBucket returns the first bucket from..to (this tier's units) that
// holds events.
func (t *Tier) FirstBucket(from, to int64) (int64, bool) {
	from = max(from, to-int64(len(t.epoch))+1)
	for b := from; b <= to; b++ {
		i := t.slot(b)
		if t.epoch[i] == b && t.good[i]+t.bad[i] > 0 {
			return b, true
		}
	}
	return 0, false
}

// Tier returns tier i: 0 fine, 1 medium, 2 coarse.
func (r *Ring) Tier(i int) *Tier { return &r.tiers[i] }

// FineRange returns the counts of fine buckets from..to (fine units). The
// part the fine tier no longer holds is taken from the medium tier, whose
// buckets are whole there when from is a medium bucket's first (an onset
// found at 5-minute resolution is).
func (r *Ring) FineRange(from, to int64) Counts {
	f := &r.tiers[0]
	if f.Serves(from, to) {
		return f.Sum(from, to)
	}
	per := MediumWidth / FineWidth
	lowest := max(f.newest, to) - int64(len(f.epoch)) + 1 // the oldest fine bucket the fine tier holds
	split := FloorDiv(lowest+per-1, per) * per            // the first medium bucket's start from there
	m := &r.tiers[1]
	c := m.Sum(FloorDiv(from, per), FloorDiv(split, per)-1)
	if split <= to {
		c = c.Plus(f.Sum(split, to))
	}
	return c
}

// oldest returns the number of the oldest bucket the tier can still hold,
// given its newest; math.MaxInt64 when it is empty. Older slots may still carry
// stale buckets that no window reads.
func (t *Tier) oldest() int64 {
	newest := t.newestHeld()
	if newest < 0 {
		return math.MaxInt64
	}
	return newest - int64(len(t.epoch)) + 1
}

// newestHeld returns the number of the newest bucket a slot holds; -1 when
// the tier is empty.
func (t *Tier) newestHeld() int64 {
	newest := int64(-1) // empty slots hold -1
	for _, e := range t.epoch {
		newest = max(newest, e)
	}
	return newest
}

// Remove takes the counts of [start, end) (nanoseconds) out of the ring and
// returns them (a correction declared after the fact). Each part of the
// span is cleared in the finest tier that still holds it, whole buckets at
// a time, and the coarser tiers lose exactly what it held, so that every
// window stays the sum of what the finer tiers say.
func (r *Ring) Remove(start, end int64) Counts {
	var removed Counts
	var oldest [3]int64 // each tier's oldest bucket still in reach
	hi := end
	for i := range r.tiers {
		t := &r.tiers[i]
		oldest[i] = t.oldest()
		if oldest[i] == math.MaxInt64 {
			continue
		}
		lo := max(start, oldest[i]*t.width)
		if lo >= hi {
			continue
		}
		// No bucket past the newest holds anything: a span that ends
		// years ahead costs no more than one that ends now.
		last := min(FloorDiv(hi-1, t.width), t.newestHeld())
		for b := FloorDiv(lo, t.width); b <= last; b++ {
			k := t.slot(b)
			if t.epoch[k] != b {
				continue
			}
			c := Counts{t.good[k], t.bad[k]}
			if i > 0 {
				// What the finer tier still holds of this bucket was
				// dealt with there (or lies outside the span).
				// Slots beyond its reach may still hold stale buckets:
				// they are not part of this bucket's count.
				f := &r.tiers[i-1]
				per := t.width / f.width
				fc := f.Sum(max(b*per, oldest[i-1]), b*per+per-1)
				c.Good -= fc.Good
				c.Bad -= fc.Bad
			}
			c.Good, c.Bad = max(c.Good, 0), max(c.Bad, 0)
			if c.Good == 0 && c.Bad == 0 {
				continue
			}
			removed.Good += c.Good
			removed.Bad += c.Bad
			for j := i; j < len(r.tiers); j++ {
				u := &r.tiers[j]
				ub := FloorDiv(b*t.width, u.width)
				if m := u.slot(ub); u.epoch[m] == ub {
					u.good[m] -= c.Good
					u.bad[m] -= c.Bad
				}
			}
		}
		hi = lo
	}
	return removed
}

// Bucket is the plain state of one non-empty bucket (package state's): its
// number N (its start is N × the tier's width) and its counts.
type Bucket = state.Bucket

// Buckets yields tier i's non-empty buckets in ascending order.
func (r *Ring) Buckets(i int) iter.Seq[Bucket] {
	t := &r.tiers[i]
	return func(yield func(Bucket) bool) {
		n := len(t.epoch)
		// Walk the slots once, oldest first, without a division per slot.
		b := t.newestHeld() - int64(n) + 1
		for i, k := t.slot(b), 0; k < n; k++ {
			if t.epoch[i] == b && (t.good[i] != 0 || t.bad[i] != 0) && !yield(Bucket{N: b, Good: t.good[i], Bad: t.bad[i]}) {
				return
			}
			b++
			if i++; i == n {
				i = 0
			}
		}
	}
}

// Restore adds a saved bucket of tier i. A bucket that ends at or before
// the instant lo (ns) is left out, and Restore reports false; one after
// the instant hi counts in the bucket holding hi, as after a step back of
// the clock.
func (r *Ring) Restore(i int, x Bucket, lo, hi int64) bool {
	t := &r.tiers[i]
	if x.N*t.width+t.width <= lo {
		return false
	}
	t.add(min(x.N, FloorDiv(hi, t.width)), x.Good, x.Bad)
	return true
}
