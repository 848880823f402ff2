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
//
// The slots hold the n buckets up to the newest one: writing a newer bucket
// clears the slots of the buckets it passes, so a slot needs no record of
// the bucket it holds, and a bucket older than the ring is simply gone.
type Tier struct {
	width     int64 // nanoseconds
	n         int   // slots
	newest    int64 // the newest bucket added since the clock last stepped back
	good, bad cells

	// Slots whose bucket was lost when the clock stepped back (rewind) are
	// damaged until written again, and no range up to rewoundAt that reads
	// them is served. ndamaged counts them, so that an intact tier pays
	// nothing; the bit set is allocated at the first step back.
	damaged   []uint64
	ndamaged  int
	rewoundAt int64
	lossy     int64 // a bucket rewind wrote into a damaged slot: it may lack its own counts

	// The coarsest tier has none coarser to read when the clock steps back
	// behind buckets it passed without writing them (a jump ahead, or idle
	// periods): it keeps the buckets those slots held (stale, by slot), to
	// read them again once a step back brings them within its reach.
	keepStale bool
	stale     map[int]Bucket

	// kept are the running sums of SumKept, by key: each is Sum(from, to)
	// as the tier stands, updated by every count add writes and every slot
	// it clears, and dropped by a rewind or a removal (see SumKept).
	kept []keptSum
}

// keptSum is a running sum of a tier's buckets from..to; from > to when
// there is none.
type keptSum struct {
	from, to int64
	c        Counts
}

// none is the newest bucket of a tier that holds none.
const none = -1 << 62

func newTier(width int64, slots int) Tier {
	return Tier{width: width, n: slots, newest: none, lossy: none, good: newCells(slots), bad: newCells(slots)}
}

// coarseSlots is the coarse tier's size for a span: its buckets and three
// more (a partial one at each end, and one for an event up to a minute ahead).
func coarseSlots(span time.Duration) int {
	return int(int64(span)/CoarseWidth) + 3
}

func (t *Tier) slot(b int64) int {
	i := b % int64(t.n) // one division: a fold adds 30 buckets at once
	if i < 0 {
		i += int64(t.n)
	}
	return int(i)
}

// keepSlot keeps what slot i holds, bucket x, when it has counts: a
// bucket passed without being written leaves it stale (keepStale).
func (t *Tier) keepSlot(i int, x int64) {
	if c := (Counts{t.good.get(i), t.bad.get(i)}); c != (Counts{}) {
		if t.stale == nil {
			t.stale = map[int]Bucket{}
		}
		t.stale[i] = Bucket{N: x, Good: c.Good, Bad: c.Bad}
	}
}

// holds reports whether bucket b is within the ring's reach.
func (t *Tier) holds(b int64) bool { return b <= t.newest && b > t.newest-int64(t.n) }

func (t *Tier) isDamaged(i int) bool { return t.ndamaged > 0 && t.damaged[i/64]&(1<<(i%64)) != 0 }

func (t *Tier) setDamaged(i int, d bool) {
	if d == t.isDamaged(i) {
		return
	}
	if t.damaged == nil {
		t.damaged = make([]uint64, (t.n+63)/64)
	}
	t.damaged[i/64] ^= 1 << (i % 64)
	if d {
		t.ndamaged++
	} else {
		t.ndamaged--
	}
}

// add adds counts to bucket b (in this tier's units). A bucket older than the
// ring's reach is not added and add reports false.
func (t *Tier) add(b, good, bad int64) bool {
	if b > t.newest {
		// Clear the slots of the buckets passed.
		n := int64(t.n)
		for k := min(b-t.newest, n); k > 0; k-- {
			y := b - k + 1
			i := t.slot(y)
			if t.keepStale && y != b {
				t.keepSlot(i, y-(y-t.newest+n-1)/n*n)
			}
			if len(t.kept) > 0 {
				// The bucket the slot held leaves the tier's reach.
				t.keptAdd(y-(y-t.newest+n-1)/n*n, -t.good.get(i), -t.bad.get(i))
			}
			t.good.set(i, 0)
			t.bad.set(i, 0)
			if t.ndamaged > 0 {
				t.setDamaged(i, false)
			}
		}
		t.newest = b
	} else if !t.holds(b) {
		return false
	}
	i := t.slot(b)
	if t.ndamaged > 0 {
		t.setDamaged(i, false) // a rewind emptied it
	}
	if t.stale != nil {
		delete(t.stale, i) // b overwrites what the slot held before
	}
	g0, b0 := t.good.get(i), t.bad.get(i)
	g1, b1 := AddCount(g0, good), AddCount(b0, bad)
	t.good.set(i, g1)
	t.bad.set(i, b1)
	if len(t.kept) > 0 {
		t.keptAdd(b, g1-g0, b1-b0)
	}
	return true
}

// keptAdd adds the change of bucket b's counts to the running sums that
// span it. A sum that reaches MaxCount is dropped: Sum saturates there,
// and a saturated sum cannot be taken apart again.
func (t *Tier) keptAdd(b, good, bad int64) {
	if good == 0 && bad == 0 {
		return
	}
	for j := range t.kept {
		k := &t.kept[j]
		if b < k.from || b > k.to {
			continue
		}
		k.c.Good += good
		k.c.Bad += bad
		if k.c.Good >= MaxCount || k.c.Bad >= MaxCount {
			*k = keptSum{from: 1}
		}
	}
}

// dropKept forgets the tier's running sums: its counts changed in a way
// keptAdd does not follow (a rewind, a removal).
func (t *Tier) dropKept() {
	for j := range t.kept {
		t.kept[j] = keptSum{from: 1}
	}
}

// SumKept returns Sum(from, to), from the running sum kept under key (a
// small number the caller gives each of its windows, 0 for the longest)
// when there is one: a window read again, its range moved on by a few
// buckets since, costs those few buckets rather than the whole range.
// Sums are kept exact as the tier changes (add, and the slots cleared as
// it moves on); a rewind or a removal drops them and the next call walks
// the range again. Ranges too long for the ring are walked.
//
// A window moving back and forth (a status asked for an earlier instant)
// costs what it moves: such a reader should call Sum.
func (t *Tier) SumKept(key int, from, to int64) Counts {
	if to-from >= int64(t.n) || from > to {
		return t.Sum(from, to)
	}
	if key >= len(t.kept) {
		n := len(t.kept)
		t.kept = append(t.kept, make([]keptSum, key+1-n)...)
		for j := n; j <= key; j++ {
			t.kept[j] = keptSum{from: 1}
		}
	}
	k := &t.kept[key]
	moved := abs(from-k.from) + abs(to-k.to)
	var c Counts
	if k.from <= k.to && from <= k.to && to >= k.from && moved <= to-from {
		// The ranges overlap: take out what left, add what came.
		c = k.c
		var out, in Counts
		if from > k.from {
			out = out.Plus(t.Sum(k.from, from-1))
		} else if from < k.from {
			in = in.Plus(t.Sum(from, k.from-1))
		}
		if to > k.to {
			in = in.Plus(t.Sum(k.to+1, to))
		} else if to < k.to {
			out = out.Plus(t.Sum(to+1, k.to))
		}
		c = Counts{c.Good - out.Good + in.Good, c.Bad - out.Bad + in.Bad}
		if max(out.Good, out.Bad, in.Good, in.Bad, c.Good, c.Bad) >= MaxCount {
			c = t.Sum(from, to)
		}
	} else {
		c = t.Sum(from, to)
	}
	*k = keptSum{from: from, to: to, c: c}
	if c.Good >= MaxCount || c.Bad >= MaxCount {
		*k = keptSum{from: 1}
	}
	return c
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Sum adds up buckets from..to inclusive (this tier's units).
//
// A status sums some 14,000 buckets over its windows (a 30-day period at
// 15 minutes, 6 hours at 10 s, and most windows twice, for the alerts), so
// sum walks the ring in at most two contiguous runs rather than finding each
// bucket's slot with two divisions: BenchmarkStatus fell from 110 µs to
// 22 µs. A status at the clock's reading now reads running sums instead
// (SumKept), which call Sum for the few buckets a window moved by.
func (t *Tier) Sum(from, to int64) (c Counts) {
	n := int64(t.n)
	from, to = max(from, to-n+1, t.newest-n+1), min(to, t.newest)
	for b, i := from, t.slot(from); b <= to; i = 0 {
		k := min(int(to-b+1), t.n-i)
		c = c.Plus(Counts{t.good.sum(i, k), t.bad.sum(i, k)})
		b += int64(k)
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
	r := Ring{tiers: [3]Tier{
		newTier(FineWidth, fineSlots),
		newTier(MediumWidth, mediumSlots),
		newTier(CoarseWidth, coarseSlots(span)),
	}}
	r.tiers[2].keepStale = true
	return r
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
	n := int64(t.n)
	return to-from < n && from > t.newest-n && (t.ndamaged == 0 || t.intact(from, to)) && (t.lossy < from || t.lossy > to)
}

// intact reports whether no bucket from..to reads a damaged slot.
func (t *Tier) intact(from, to int64) bool {
	for b := from; b <= min(to, t.rewoundAt); b++ {
		if t.isDamaged(t.slot(b)) {
			return false
		}
	}
	return true
}

// rewind moves the counts of every bucket after tb into tb: the clock
// stepped back behind events already recorded (see Series.followClock).
// The slots those buckets held are marked damaged: the buckets they held
// before, which the tier's reach, moving back with its newest bucket, takes
// in again, are lost; the coarser tiers hold theirs.
func (t *Tier) rewind(tb int64) {
	if t.newest <= tb {
		return
	}
	t.dropKept()
	var c Counts
	for b := max(tb+1, t.newest-int64(t.n)+1); b <= t.newest; b++ {
		i := t.slot(b)
		c = c.Plus(Counts{t.good.get(i), t.bad.get(i)})
		t.good.set(i, 0)
		t.bad.set(i, 0)
		t.setDamaged(i, true)
	}
	t.newest, t.rewoundAt = tb, tb
	for i, x := range t.stale {
		if x.N > tb-int64(t.n) && x.N <= tb { // back within reach
			t.good.set(i, x.Good)
			t.bad.set(i, x.Bad)
			t.setDamaged(i, false)
		}
		if x.N > tb-int64(t.n) {
			delete(t.stale, i)
		}
	}
	if t.isDamaged(t.slot(tb)) {
		t.lossy = tb // its slot held another bucket: tb's own counts may be gone
	}
	if c.Good != 0 || c.Bad != 0 {
		t.add(tb, c.Good, c.Bad)
	}
}

// Rewind moves the counts of every bucket after the one holding the instant
// at (nanoseconds) into that one, in every tier: the clock stepped back
// behind events already recorded.
func (r *Ring) Rewind(at int64) {
	for i := range r.tiers {
		t := &r.tiers[i]
		t.rewind(FloorDiv(at, t.width))
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
	return r.span(-1, start, end, past)
}

// SpanKept is Span at the clock's reading (past false) for a window read
// again and again as the clock moves: each tier's part comes from the
// running sum kept under key (Tier.SumKept), so that the read costs the
// buckets the window moved by since the last, not its length. Give each
// window of the series its own key, from 0.
func (r *Ring) SpanKept(key int, start, end int64) (c Counts, held bool) {
	return r.span(key, start, end, false)
}

// sum is t.Sum(from, to), or t.SumKept(key, from, to) for a key ≥ 0.
func (t *Tier) sum(key int, from, to int64) Counts {
	if key < 0 {
		return t.Sum(from, to)
	}
	return t.SumKept(key, from, to)
}

func (r *Ring) span(key int, start, end int64, past bool) (c Counts, held bool) {
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
		n := int64(t.n)
		last := i == len(r.tiers)-1
		if t.Serves(from, to) || last && to-from < n && from > t.newest-n {
			return c.Plus(t.sum(key, from, to)), true
		}
		if last {
			return Counts{}, false
		}
		// The part this tier still holds, from a boundary of the next
		// tier's buckets on.
		per := r.tiers[i+1].width / t.width
		lo := FloorDiv(t.newest-n+1+per-1, per) * per
		if lo <= to && t.Serves(lo, to) {
			c = c.Plus(t.sum(key, lo, to))
			hi, bounded = lo*t.width, true
		}
	}
	return c, true
}

// DropKept forgets every running sum of the ring (Tier.SumKept): for a
// change of its counts that does not go through Add or Restore.
func (r *Ring) DropKept() {
	for i := range r.tiers {
		r.tiers[i].dropKept()
	}
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
func (t *Tier) Len() int64 { return int64(t.n) }

// Bucket returns the counts of bucket b, and whether its slot holds it.
func (t *Tier) Bucket(b int64) (Counts, bool) {
	i := t.slot(b)
	if !t.holds(b) || t.isDamaged(i) {
		return Counts{}, false
	}
	return Counts{t.good.get(i), t.bad.get(i)}, true
}

// FirstBucket returns the first bucket from..to (this tier's units) that
// holds events. Like Sum, it walks the ring in at most two contiguous runs
// of slots: a burn-down asks it of the whole period (2,880 coarse buckets
// for 30 days), most of them empty when the traffic began recently.
func (t *Tier) FirstBucket(from, to int64) (int64, bool) {
	n := int64(t.n)
	from, to = max(from, to-n+1, t.newest-n+1), min(to, t.newest)
	for b, i := from, t.slot(from); b <= to; i = 0 {
		k := min(int(to-b+1), t.n-i)
		if j := t.firstNonEmpty(i, k); j >= 0 {
			return b + int64(j), true
		}
		b += int64(k)
	}
	return 0, false
}

// firstNonEmpty returns the offset of the first of slots i … i+k−1 with
// events; −1 when none has.
func (t *Tier) firstNonEmpty(i, k int) int {
	if t.good.c16 != nil && t.bad.c16 != nil {
		return firstNonZero(t.good.c16[i:i+k], t.bad.c16[i:i+k])
	}
	for j := range k {
		if t.good.get(i+j) != 0 || t.bad.get(i+j) != 0 {
			return j
		}
	}
	return -1
}

// firstNonZero returns the first index at which a or b is not zero; −1
// when there is none.
func firstNonZero[T uint16 | uint32](a, b []T) int {
	b = b[:len(a)]
	for j := range a {
		if a[j]|b[j] != 0 {
			return j
		}
	}
	return -1
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
	lowest := max(f.newest, to) - int64(f.n) + 1 // the oldest fine bucket the fine tier holds
	split := FloorDiv(lowest+per-1, per) * per   // the first medium bucket's start from there
	m := &r.tiers[1]
	c := m.Sum(FloorDiv(from, per), FloorDiv(split, per)-1)
	if split <= to {
		c = c.Plus(f.Sum(split, to))
	}
	return c
}

// oldest returns the number of the oldest bucket the tier holds;
// math.MaxInt64 when it is empty.
func (t *Tier) oldest() int64 {
	if t.newest == none {
		return math.MaxInt64
	}
	return t.newest - int64(t.n) + 1
}

// Remove takes the counts of [start, end) (nanoseconds) out of the ring and
// returns them (a correction declared after the fact). Each part of the
// span is cleared in the finest tier that still holds it, whole buckets at
// a time, and the coarser tiers lose exactly what it held, so that every
// window stays the sum of what the finer tiers say.
func (r *Ring) Remove(start, end int64) Counts {
	r.DropKept()
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
		last := min(FloorDiv(hi-1, t.width), t.newest)
		for b := FloorDiv(lo, t.width); b <= last; b++ {
			k := t.slot(b)
			c := Counts{t.good.get(k), t.bad.get(k)}
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
				if m := u.slot(ub); u.holds(ub) {
					u.good.set(m, u.good.get(m)-c.Good)
					u.bad.set(m, u.bad.get(m)-c.Bad)
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
		if t.newest == none {
			return
		}
		n := t.n
		// Walk the slots once, oldest first, without a division per slot.
		b := t.newest - int64(n) + 1
		for i, k := t.slot(b), 0; k < n; k++ {
			if c := (Counts{t.good.get(i), t.bad.get(i)}); c != (Counts{}) && !yield(Bucket{N: b, Good: c.Good, Bad: c.Bad}) {
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
