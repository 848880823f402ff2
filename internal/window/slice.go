package window

import "math/bits"

// SliceVerdict is what a closed time slice was found to be.
type SliceVerdict uint8

const (
	// SliceGood: the slice had events and met its target, or a correction
	// covered it.
	SliceGood SliceVerdict = iota
	// SliceBad: the slice had events and missed its target (for ratio
	// slices: at least one bad event).
	SliceBad
	// SliceEmpty: the slice had no events.
	SliceEmpty
)

// SliceUnit is the fixed-point unit a ratio slice's spent budget is kept
// in: a millionth of a slice. A slice where 3 events of 100 are bad spends
// 30,000 units.
const SliceUnit = 1_000_000

// Slices holds the verdicts of a series' time slices (issue 17): every
// slice of the last RecentSlices, one by one, and per 15-minute bucket of
// the series' span the number of bad and of empty slices (4 bits each, a
// bucket holds at most 15 slices) and, for ratio slices, their spent budget
// in SliceUnit (32 bits). Slices [first, next) are decided; a slice is
// decided once, in order, and may be decided again while it is recent (a
// late event, a correction).
//
// It is not safe for concurrent use: its owner guards it with a mutex.
type Slices struct {
	width int64 // ns
	per   int64 // slices per coarse bucket
	first int64
	next  int64

	// The recent slices: slice i is at bit i mod rn of the bit sets bad
	// and empty (neither: good), so that a window counts them by popcount.
	rn         int64
	bad, empty []uint64
	rspent     []uint32 // ratio only

	// The sums of whole coarse buckets the latest windows read, reused
	// while nothing older than the recent slices changes (gen).
	gen    uint64
	cache  [4]coarseSum
	victim int

	// The coarse buckets: bucket c at c mod len(cnt), cnewest the newest.
	cnt     []uint8 // bad in the low nibble, empty in the high one
	cspent  []uint32
	cnewest int64
}

// coarseSum is the sum of the coarse buckets [from, to) at generation gen.
type coarseSum struct {
	from, to, gen int64
	c             SliceCounts
}

// RecentSlices is how many slices Slices keeps one by one: at least 6.4
// hours of them, the fine tier's span, so that every window up to 6 hours
// is counted to the slice; a multiple of 64.
func RecentSlices(width int64) int {
	n := (fineSlots*FineWidth + width - 1) / width
	return int((n + 63) / 64 * 64)
}

func (s *Slices) get(k int) SliceVerdict {
	switch {
	case s.bad[k/64]&(1<<(k%64)) != 0:
		return SliceBad
	case s.empty[k/64]&(1<<(k%64)) != 0:
		return SliceEmpty
	}
	return SliceGood
}

func (s *Slices) set(k int, v SliceVerdict) {
	m := uint64(1) << (k % 64)
	s.bad[k/64] &^= m
	s.empty[k/64] &^= m
	switch v {
	case SliceBad:
		s.bad[k/64] |= m
	case SliceEmpty:
		s.empty[k/64] |= m
	}
}

// ones counts the set bits of the ring of bits b at positions k … k+n−1
// (mod its length).
func ones(b []uint64, k, n int) int64 {
	var c int64
	total := len(b) * 64
	for n > 0 {
		w, off := k/64, k%64
		take := min(n, 64-off, total-k)
		m := ^uint64(0)
		if take < 64 {
			m = (uint64(1)<<take - 1)
		}
		c += int64(bits.OnesCount64((b[w] >> off) & m))
		n -= take
		k += take
		if k == total {
			k = 0
		}
	}
	return c
}

// NewSlices returns the verdict store of slices of width ns (a divisor of
// CoarseWidth), for a series whose coarse tier holds span (NewRing), whose
// first slice is first. ratio keeps each slice's spent budget too.
func NewSlices(width int64, coarse int, first int64, ratio bool) *Slices {
	s := &Slices{
		width:   width,
		per:     CoarseWidth / width,
		first:   first,
		next:    first,
		rn:      int64(RecentSlices(width)),
		cnt:     make([]uint8, coarse),
		cnewest: none,
	}
	s.bad = make([]uint64, s.rn/64)
	s.empty = make([]uint64, s.rn/64)
	if ratio {
		s.rspent = make([]uint32, s.rn)
		s.cspent = make([]uint32, coarse)
	}
	return s
}

// Width returns the slice width (ns).
func (s *Slices) Width() int64 { return s.width }

// Next returns the first slice not decided yet.
func (s *Slices) Next() int64 { return s.next }

// First returns the first slice the store decided (or restored).
func (s *Slices) First() int64 { return s.first }

// Recent reports whether slice i is decided and still kept one by one.
func (s *Slices) Recent(i int64) bool {
	return i < s.next && i >= s.next-s.rn && i >= s.first
}

func mod(a, n int64) int { return int(((a % n) + n) % n) }

// coarse returns the slot of coarse bucket c, clearing the buckets passed
// when c is newer than the newest; -1 when c is older than the ring.
func (s *Slices) coarse(c int64) int {
	n := int64(len(s.cnt))
	if c > s.cnewest {
		for k := min(c-s.cnewest, n); k > 0; k-- {
			i := mod(c-k+1, n)
			s.cnt[i] = 0
			if s.cspent != nil {
				s.cspent[i] = 0
			}
		}
		s.cnewest = c
	} else if c <= s.cnewest-n {
		return -1
	}
	return mod(c, n)
}

// count adds d (±1) to slot j's count of verdict v, and spent to its
// spent budget.
func (s *Slices) count(j int, v SliceVerdict, d int, spent int64) {
	switch v {
	case SliceBad:
		s.cnt[j] = s.cnt[j]&0xf0 | uint8(int(s.cnt[j]&0x0f)+d)&0x0f
	case SliceEmpty:
		s.cnt[j] = s.cnt[j]&0x0f | (uint8(int(s.cnt[j]>>4)+d)&0x0f)<<4
	}
	if s.cspent != nil {
		s.cspent[j] = uint32(int64(s.cspent[j]) + int64(d)*spent)
	}
}

// Decide records slice i's verdict, and for ratio slices its spent budget
// (SliceUnit). i is Next (the following slice; slices skipped in between
// are decided empty by the caller), or a recent slice decided again.
// Anything else is ignored and Decide reports false.
func (s *Slices) Decide(i int64, v SliceVerdict, spent uint32) bool {
	rn := s.rn
	switch {
	case i == s.next:
		s.next++
	case s.Recent(i):
		// Undo the old verdict in its coarse bucket, which a cached sum
		// may hold.
		k := mod(i, rn)
		if j := s.coarse(FloorDiv(i, s.per)); j >= 0 {
			s.count(j, s.get(k), -1, s.spentAt(k))
		}
		s.gen++
	default:
		return false
	}
	k := mod(i, rn)
	s.set(k, v)
	if s.rspent != nil {
		s.rspent[k] = spent
	}
	if j := s.coarse(FloorDiv(i, s.per)); j >= 0 {
		s.count(j, v, 1, int64(spent))
	}
	return true
}

func (s *Slices) spentAt(k int) int64 {
	if s.rspent == nil {
		return 0
	}
	return int64(s.rspent[k])
}

// Verdict returns recent slice i's verdict and spent budget.
func (s *Slices) Verdict(i int64) (SliceVerdict, uint32, bool) {
	if !s.Recent(i) {
		return 0, 0, false
	}
	k := mod(i, s.rn)
	return s.get(k), uint32(s.spentAt(k)), true
}

// SliceCounts are the decided slices of a span by verdict, and the spent
// budget of its ratio slices (SliceUnit; empty slices spend nothing here).
type SliceCounts struct {
	Good, Bad, Empty int64
	Spent            int64
}

// Decided returns Good + Bad + Empty.
func (c SliceCounts) Decided() int64 { return c.Good + c.Bad + c.Empty }

// Count returns the decided slices among [from, to). The slices kept one
// by one count exactly; an older part counts whole 15-minute buckets, from
// the first one that starts at or after from (the span's start edge is
// then up to a bucket late), and nothing the coarse ring no longer holds.
func (s *Slices) Count(from, to int64) SliceCounts {
	from, to = max(from, s.first), min(to, s.next)
	var c SliceCounts
	if from >= to {
		return c
	}
	lo := max(s.next-s.rn, s.first) // the oldest recent slice
	if from < lo {
		// Whole coarse buckets [cf, ct): from the first that starts at or
		// after from, up to the first that starts at or after lo (its
		// recent slices are counted there) or the last that ends by to.
		cf := FloorDiv(from+s.per-1, s.per)
		ct := min(FloorDiv(lo+s.per-1, s.per), FloorDiv(to, s.per))
		c = s.coarseSum(cf, ct)
		from = max(from, ct*s.per)
	}
	if from = max(from, lo); from < to {
		k, n := mod(from, s.rn), int(to-from)
		bad, empty := ones(s.bad, k, n), ones(s.empty, k, n)
		c.Bad += bad
		c.Empty += empty
		c.Good += int64(n) - bad - empty
		if s.rspent != nil {
			for i := from; i < to; i++ {
				c.Spent += int64(s.rspent[mod(i, s.rn)])
			}
		}
	}
	return c
}

// coarseSum returns the decided slices of coarse buckets [cf, ct), from
// the cache while no verdict in them changed.
func (s *Slices) coarseSum(cf, ct int64) SliceCounts {
	gen := int64(s.gen)
	n := int64(len(s.cnt))
	cf, ct = max(cf, s.cnewest-n+1), min(ct, s.cnewest+1) // the buckets held
	for i := range s.cache {
		if x := &s.cache[i]; x.from == cf && x.to == ct && x.gen == gen {
			return x.c
		}
	}
	var c SliceCounts
	for cb := cf; cb < ct; cb++ {
		d := min((cb+1)*s.per, s.next) - max(cb*s.per, s.first) // its decided slices
		if d <= 0 {
			continue
		}
		j := mod(cb, n)
		bad, empty := int64(s.cnt[j]&0x0f), int64(s.cnt[j]>>4)
		c.Bad += bad
		c.Empty += empty
		c.Good += d - bad - empty
		if s.cspent != nil {
			c.Spent += int64(s.cspent[j])
		}
	}
	// Replace an entry of an older generation, or the next in turn.
	v := -1
	for i := range s.cache {
		if s.cache[i].gen != gen {
			v = i
			break
		}
	}
	if v < 0 {
		v = s.victim
		s.victim = (s.victim + 1) % len(s.cache)
	}
	s.cache[v] = coarseSum{from: cf, to: ct, gen: gen, c: c}
	return c
}

// Bytes returns the memory the store holds, for the cost per series.
func (s *Slices) Bytes() int {
	n := 16*len(s.bad) + len(s.cnt) + 4*len(s.rspent) + 4*len(s.cspent)
	return n + 96
}

// SpentOf returns the spent budget of a ratio slice with good and bad
// events, in SliceUnit, rounded to the nearest unit: bad / (good + bad).
func SpentOf(good, bad int64) uint32 {
	t := uint64(good) + uint64(bad)
	if t == 0 || bad <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(bad), 2*SliceUnit)
	hi, lo, c := hi, lo+t, uint64(0)
	if lo < t {
		c = 1
	}
	q, _ := bits.Div64(hi+c, lo, 2*t)
	return uint32(q)
}

// MeetsTarget reports whether good / (good + bad) ≥ ppb / 10⁹, exactly.
func MeetsTarget(good, bad, ppb int64) bool {
	hi1, lo1 := bits.Mul64(uint64(good), 1_000_000_000)
	hi2, lo2 := bits.Mul64(uint64(good)+uint64(bad), uint64(ppb))
	return hi1 > hi2 || hi1 == hi2 && lo1 >= lo2
}

// Span returns the number of slices the coarse ring holds.
func (s *Slices) Span() int64 { return int64(len(s.cnt)) * s.per }

// Restart forgets every verdict: slices from i on are decided afresh, and
// none before i counts. For a series idle for longer than its span.
func (s *Slices) Restart(i int64) {
	clear(s.bad)
	clear(s.empty)
	clear(s.rspent)
	s.gen++
	clear(s.cnt)
	clear(s.cspent)
	s.first, s.next, s.cnewest = i, i, none
}
