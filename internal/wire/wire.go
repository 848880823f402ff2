// Package wire holds the primitives of the state file's encoding, shared by
// package state (the snapshot) and by the sections budget writes into it:
// varints (encoding/binary), strings as a uvarint length and bytes, times as
// zig-zag varint Unix nanoseconds (0 for the zero time), floats as 8 bytes
// of IEEE 754 bits, booleans as a byte.
package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Encoder appends to Buf.
type Encoder struct{ Buf []byte }

// Uvarint appends v.
func (e *Encoder) Uvarint(v uint64) { e.Buf = binary.AppendUvarint(e.Buf, v) }

// Varint appends v.
func (e *Encoder) Varint(v int64) { e.Buf = binary.AppendVarint(e.Buf, v) }

// Count appends a count, a negative one as 0.
func (e *Encoder) Count(v int64) { e.Uvarint(uint64(max(v, 0))) }

// Str appends s.
func (e *Encoder) Str(s string) { e.Uvarint(uint64(len(s))); e.Buf = append(e.Buf, s...) }

// Bytes appends b as Str appends a string: its length, then its bytes.
func (e *Encoder) Bytes(b []byte) { e.Uvarint(uint64(len(b))); e.Buf = append(e.Buf, b...) }

// Float64 appends f.
func (e *Encoder) Float64(f float64) {
	e.Buf = binary.BigEndian.AppendUint64(e.Buf, math.Float64bits(f))
}

// Bool appends 1 or 0.
func (e *Encoder) Bool(b bool) {
	var c byte
	if b {
		c = 1
	}
	e.Buf = append(e.Buf, c)
}

// Time appends t.
func (e *Encoder) Time(t time.Time) {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	e.Varint(ns)
}

// Decoder reads B. The first error sticks in Err, and every read after it
// returns zero.
type Decoder struct {
	B   []byte
	Err error
}

// Fail sets Err, unless it is set already.
func (d *Decoder) Fail(format string, args ...any) {
	if d.Err == nil {
		d.Err, d.B = fmt.Errorf(format, args...), nil
	}
}

// advance skips the n bytes of a varint just read (none: a bad one).
func (d *Decoder) advance(n int) {
	if n <= 0 {
		d.Fail("bad varint")
	} else {
		d.B = d.B[n:]
	}
}

// Uvarint reads a uvarint.
func (d *Decoder) Uvarint() uint64 {
	v, n := binary.Uvarint(d.B) // 0 when n <= 0
	d.advance(n)
	return v
}

// Varint reads a varint.
func (d *Decoder) Varint() int64 {
	v, n := binary.Varint(d.B)
	d.advance(n)
	return v
}

// Count reads a count.
func (d *Decoder) Count() int64 {
	v := d.Uvarint()
	if v > math.MaxInt64/4 {
		d.Fail("count %d out of range", v)
		return 0
	}
	return int64(v)
}

// Length reads the number of items that follow, each at least min bytes
// long, so that a damaged length cannot make the decoder allocate more
// than the input's size.
func (d *Decoder) Length(min int) int {
	v := d.Uvarint()
	if v > uint64(len(d.B)/min) {
		d.Fail("length %d exceeds the %d bytes left", v, len(d.B))
		return 0
	}
	return int(v)
}

// Bytes reads n bytes, sharing B.
func (d *Decoder) Bytes(n int) []byte {
	if n > len(d.B) {
		d.Fail("truncated")
	}
	if d.Err != nil {
		return nil
	}
	b := d.B[:n:n]
	d.B = d.B[n:]
	return b
}

// Str reads a string.
func (d *Decoder) Str() string { return string(d.Bytes(d.Length(1))) }

// Byte reads a byte.
func (d *Decoder) Byte() byte {
	if b := d.Bytes(1); b != nil {
		return b[0]
	}
	return 0
}

// Float64 reads a float.
func (d *Decoder) Float64() float64 {
	if b := d.Bytes(8); b != nil {
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return 0
}

// Time reads a time, in UTC.
func (d *Decoder) Time() time.Time {
	if v := d.Varint(); v != 0 {
		return time.Unix(0, v).UTC()
	}
	return time.Time{}
}
