package window

import "github.com/errbudget/errbudget/internal/wire"

// Encode writes the verdicts compactly: the width, first, next and newest
// coarse bucket, then only what is not the common case (the recent slices
// that are not good, the coarse buckets with bad or empty slices), as
// offsets, so that a healthy series costs a few bytes.
func (s *Slices) Encode(e *wire.Encoder) {
	e.Varint(s.width)
	e.Varint(s.first)
	e.Varint(s.next)
	e.Varint(s.cnewest)
	rn := s.rn
	lo := max(s.next-rn, s.first)
	var n int64
	for i := lo; i < s.next; i++ {
		if s.get(mod(i, rn)) != SliceGood {
			n++
		}
	}
	e.Uvarint(uint64(n))
	prev := lo
	for i := lo; i < s.next; i++ {
		k := mod(i, rn)
		if s.get(k) == SliceGood {
			continue
		}
		e.Uvarint(uint64(i - prev))
		prev = i
		e.Buf = append(e.Buf, byte(s.get(k)))
		if s.rspent != nil {
			e.Uvarint(uint64(s.rspent[k]))
		}
	}
	cn := int64(len(s.cnt))
	n = 0
	for _, c := range s.cnt {
		if c != 0 {
			n++
		}
	}
	e.Uvarint(uint64(cn))
	e.Uvarint(uint64(n))
	if s.cnewest == none {
		return
	}
	prev = s.cnewest - cn + 1
	for cb := prev; cb <= s.cnewest; cb++ {
		j := mod(cb, cn)
		if s.cnt[j] == 0 {
			continue
		}
		e.Uvarint(uint64(cb - prev))
		prev = cb
		e.Buf = append(e.Buf, s.cnt[j])
		if s.cspent != nil {
			e.Uvarint(uint64(s.cspent[j]))
		}
	}
}

// DecodeSlices reads what Encode wrote into a store made as NewSlices(width,
// coarse, …, ratio) would be: the saved coarse buckets the ring still
// reaches are kept. It fails when the widths differ or the data is damaged.
func DecodeSlices(d *wire.Decoder, width int64, coarse int, ratio bool) *Slices {
	w := d.Varint()
	first, next, cnewest := d.Varint(), d.Varint(), d.Varint()
	if d.Err != nil {
		return nil
	}
	if w != width || next < first {
		d.Fail("slices: width %d, first %d, next %d (want width %d)", w, first, next, width)
		return nil
	}
	s := NewSlices(width, coarse, first, ratio)
	s.next = next
	rn := s.rn
	lo := max(next-rn, first)
	i := lo
	for range d.Length(2) {
		i += int64(d.Uvarint())
		v := SliceVerdict(d.Byte())
		var sp uint64
		if ratio {
			sp = d.Uvarint()
		}
		if d.Err != nil || i >= next || v > SliceEmpty || sp > SliceUnit {
			d.Fail("slices: recent slice %d of %d damaged", i, next)
			return nil
		}
		k := mod(i, rn)
		s.set(k, v)
		if ratio {
			s.rspent[k] = uint32(sp)
		}
	}
	cn := d.Count()
	n := d.Length(2)
	if n > 0 && cnewest == none || int64(n) > cn {
		d.Fail("slices: %d coarse buckets of %d", n, cn)
		return nil
	}
	cb := cnewest - int64(cn) + 1
	for range n {
		cb += int64(d.Uvarint())
		c := d.Byte()
		var sp uint64
		if ratio {
			sp = d.Uvarint()
		}
		if d.Err != nil || cb > cnewest || c&0x0f+c>>4 > uint8(s.per) || sp > uint64(s.per)*SliceUnit {
			d.Fail("slices: coarse bucket %d damaged", cb)
			return nil
		}
		if j := s.coarse(cb); j >= 0 {
			s.cnt[j] = c
			if ratio {
				s.cspent[j] = uint32(sp)
			}
		}
	}
	if cnewest != none {
		s.coarse(cnewest)
	}
	return s
}
