package window

import "math"

// cells are a tier's counts of one kind (good or bad), one per slot, in the
// narrowest width that holds every count: 16 bits while they fit (a
// 15-minute bucket at 70 events a second does), then 32, then 64. A tier
// widens once, under its owner's mutex, when a count outgrows its width, so
// that no count is ever cut short.
type cells struct {
	c16 []uint16
	c32 []uint32
	c64 []int64
}

func newCells(n int) cells { return cells{c16: make([]uint16, n)} }

func (c *cells) get(i int) int64 {
	switch {
	case c.c16 != nil:
		return int64(c.c16[i])
	case c.c32 != nil:
		return int64(c.c32[i])
	}
	return c.c64[i]
}

func (c *cells) set(i int, v int64) {
	switch {
	case c.c16 != nil && v >= 0 && v <= math.MaxUint16:
		c.c16[i] = uint16(v)
	case c.c32 != nil && v >= 0 && v <= math.MaxUint32:
		c.c32[i] = uint32(v)
	case c.c64 != nil:
		c.c64[i] = v
	default:
		c.widen(v)
		c.set(i, v)
	}
}

// widen moves the counts to the next width that holds v.
func (c *cells) widen(v int64) {
	n := max(len(c.c16), len(c.c32))
	if c.c16 != nil && v >= 0 && v <= math.MaxUint32 {
		c.c32 = make([]uint32, n)
		for i, x := range c.c16 {
			c.c32[i] = uint32(x)
		}
		c.c16 = nil
		return
	}
	c.c64 = make([]int64, n)
	for i := range n {
		c.c64[i] = c.get(i)
	}
	c.c16, c.c32 = nil, nil
}

// sum returns the sum of slots i … i+k−1, saturated at MaxCount.
func (c *cells) sum(i, k int) int64 {
	switch {
	case c.c16 != nil:
		return sumOf(c.c16[i : i+k])
	case c.c32 != nil:
		return min(sumOf(c.c32[i:i+k]), MaxCount)
	}
	var s int64
	for _, x := range c.c64[i : i+k] {
		s = AddCount(s, x)
	}
	return s
}

// sumOf sums narrow counts: fewer than 2^30 of them cannot overflow.
func sumOf[T uint16 | uint32](s []T) (n int64) {
	for _, x := range s {
		n += int64(x)
	}
	return n
}
