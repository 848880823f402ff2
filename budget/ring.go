package budget

import (
	"time"

	"github.com/errbudget/errbudget/sli"
)

// The window ring.
//
// Counts are kept in three tiers of fixed-width buckets, each a ring indexed
// by bucket number (Unix time / width), all aligned to the Unix epoch:
//
//	tier    width   slots            span      serves windows
//	fine    10 s    2304             6.4 h     5m 30m 1h 2h 6h
//	medium  5 min   912              76 h      1d 3d
//	coarse  15 min  horizon/15m + 3  horizon   the SLO period
//
// The horizon is the longest of the period, the standard windows (3 days)
// and the alert rules' windows: an objective whose period is shorter than
// three days still reports, and alerts on, its 3d window.
//
// A window of length W ending at now covers the buckets of the finest tier
// that spans it which intersect [now − W, now], the current (partial) bucket
// included, so its start edge reaches back less than one bucket width too far: 10 s for the short
// windows, 5 minutes for a day, 15 minutes for the period. Fifteen minutes
// divides every UTC offset in the IANA database today (including +05:45 and
// +10:30), so local midnight on the first of a month is always a coarse bucket
// edge and calendar months split exactly.
//
// Tiers are written only under the series mutex, when the counts that the
// recording path accumulates in striped counters are flushed (see series.go),
// so the rings themselves need no atomics. Each slot remembers the bucket
// number it holds; a slot whose number is not the one asked for counts as
// empty, so idle periods need no clearing pass.
//
// Memory per series: (2304 + 912 + 2883) slots × 24 bytes ≈ 143 KiB for a
// 30-day window, plus the latency ring for latency kinds (latency.go).

const (
	fineWidth   = int64(10 * time.Second)
	mediumWidth = int64(5 * time.Minute)
	coarseWidth = int64(15 * time.Minute)

	fineSlots   = 2304
	mediumSlots = 912
)

// BucketWidths are the widths of the fine, medium and coarse tiers. A window
// edge is off by less than the width of the tier that serves it.
var BucketWidths = [3]time.Duration{time.Duration(fineWidth), time.Duration(mediumWidth), time.Duration(coarseWidth)}

type tier struct {
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

func newTier(width int64, slots int) tier {
	t := tier{width: width, newest: -1 << 62, lossy: -1 << 62, epoch: make([]int64, slots), good: make([]int64, slots), bad: make([]int64, slots)}
	for i := range t.epoch {
		t.epoch[i] = -1
	}
	return t
}

// coarseSlots is the coarse tier's size for a span: its buckets and three
// more (a partial one at each end, and one for an event up to a minute ahead).
func coarseSlots(span time.Duration) int {
	return int(int64(span)/coarseWidth) + 3
}

func (t *tier) slot(b int64) int {
	n := int64(len(t.epoch))
	return int(((b % n) + n) % n)
}

// add adds counts to bucket b (in this tier's units). A bucket older than the
// slot's current one has left the ring; it is not added and add reports false.
func (t *tier) add(b, good, bad int64) bool {
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
	t.good[i] = addCount(t.good[i], good)
	t.bad[i] = addCount(t.bad[i], bad)
	return true
}

// sum adds up buckets from..to inclusive (this tier's units).
//
// A status sums some 14,000 buckets over its windows (a 30-day period at
// 15 minutes, 6 hours at 10 s, and most windows twice, for the alerts), so
// sum walks the ring in at most two contiguous runs rather than finding each
// bucket's slot with two divisions: BenchmarkStatus fell from 110 µs to
// 22 µs.
func (t *tier) sum(from, to int64) (good, bad int64) {
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
				good = addCount(good, g[j])
				bad = addCount(bad, bd[j])
			}
			b++
		}
	}
	return good, bad
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// counts are exact good/bad counts over some span.
type counts struct{ good, bad int64 }

func (c counts) total() int64 { return c.good + c.bad }

// ring is the three tiers of one series.
type ring struct {
	tiers [3]tier
}

func newRing(w sli.Window) ring { return newRingSpan(w.MaxLength()) }

// newRingSpan returns a ring whose coarse tier holds span (a series'
// horizon).
func newRingSpan(span time.Duration) ring {
	return ring{tiers: [3]tier{
		newTier(fineWidth, fineSlots),
		newTier(mediumWidth, mediumSlots),
		newTier(coarseWidth, coarseSlots(span)),
	}}
}

// add places counts of the fine bucket fb in every tier that still holds it.
// It reports whether any tier took them.
func (r *ring) add(fb, good, bad int64) bool {
	ns := fb * fineWidth
	took := false
	for i := range r.tiers {
		t := &r.tiers[i]
		if t.add(floorDiv(ns, t.width), good, bad) {
			took = true
		}
	}
	return took
}

// window returns the counts of the window of length d ending at the instant
// end (nanoseconds): the buckets of the finest tier spanning it that
// intersect [end − d, end].
func (r *ring) window(d time.Duration, end int64) counts {
	t, from, to := r.tierFor(end-int64(d), end)
	g, b := t.sum(from, to)
	return counts{g, b}
}

// serves reports whether the tier still holds every bucket from..to (its
// units) with its own counts: the range fits the ring, and no bucket of it
// can have been overwritten by a newer one (an event ahead of the clock, a
// status asked for an earlier instant).
func (t *tier) serves(from, to int64) bool {
	n := int64(len(t.epoch))
	return to-from < n && from > t.newest-n && (t.ndamaged == 0 || t.intact(from, to)) && (t.lossy < from || t.lossy > to)
}

// intact reports whether no bucket from..to reads a damaged slot.
func (t *tier) intact(from, to int64) bool {
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
func (t *tier) rewind(tb int64, keepStale bool) {
	if t.newest <= tb {
		return
	}
	var good, bad int64
	n := int64(len(t.epoch))
	reach := t.newest - n // at or before it a slot is stale: nothing reads it
	for i, e := range t.epoch {
		switch {
		case e > tb && e > reach:
			good, bad = addCount(good, t.good[i]), addCount(bad, t.bad[i])
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

// rewind moves the counts of every bucket after the one holding the instant
// at (nanoseconds) into that one, in every tier.
func (r *ring) rewind(at int64) {
	for i := range r.tiers {
		t := &r.tiers[i]
		t.rewind(floorDiv(at, t.width), i == len(r.tiers)-1)
	}
}

// tierFor returns the finest tier that serves the instants [start, end]
// (nanoseconds), with the range of its buckets; the coarsest tier when none
// does. Every window, and the burn-down, reads the tier it returns.
func (r *ring) tierFor(start, end int64) (t *tier, from, to int64) {
	for i := range r.tiers {
		t = &r.tiers[i]
		from, to = floorDiv(start, t.width), floorDiv(end, t.width)
		if t.serves(from, to) {
			break
		}
	}
	return t, from, to
}

// span returns the counts of the window [start, end] (nanoseconds), and
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
func (r *ring) span(start, end int64, past bool) (c counts, held bool) {
	hi, bounded := int64(0), false // the finer tiers summed [hi, …): a boundary of this tier
	for i := range r.tiers {
		t := &r.tiers[i]
		var to int64
		switch {
		case bounded:
			to = hi/t.width - 1
		case past:
			to = floorDiv(end+1, t.width) - 1
		default:
			to = floorDiv(end, t.width)
		}
		from := floorDiv(start, t.width)
		if from > to {
			return c, true
		}
		n := int64(len(t.epoch))
		last := i == len(r.tiers)-1
		if t.serves(from, to) || last && to-from < n && from > t.newest-n {
			g, b := t.sum(from, to)
			return counts{addCount(c.good, g), addCount(c.bad, b)}, true
		}
		if last {
			return counts{}, false
		}
		// The part this tier still holds, from a boundary of the next
		// tier's buckets on.
		per := r.tiers[i+1].width / t.width
		lo := floorDiv(t.newest-n+1+per-1, per) * per
		if lo <= to && t.serves(lo, to) {
			g, b := t.sum(lo, to)
			c = counts{addCount(c.good, g), addCount(c.bad, b)}
			hi, bounded = lo*t.width, true
		}
	}
	return c, true
}

// between returns the counts of the coarse buckets from the one holding the
// instant from to the one holding end (nanoseconds), both included.
func (r *ring) between(from, end int64) counts {
	t := &r.tiers[2]
	g, b := t.sum(floorDiv(from, t.width), floorDiv(end, t.width))
	return counts{g, b}
}
