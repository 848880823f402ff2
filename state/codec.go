package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"time"

	"github.com/errbudget/errbudget/internal/wire"
	"github.com/errbudget/errbudget/sli"
)

// The snapshot format.
//
// A snapshot (State.AppendBinary) is one self-checking byte string:
//
//	offset  size  field
//	0       8     magic "errbudg\x00"
//	8       2     major version, big-endian (0)
//	10      2     minor version, big-endian (1)
//	12      8     payload length n, big-endian
//	20      n     payload
//	20+n    4     CRC-32C (Castagnoli) of bytes [0, 20+n), big-endian
//
// The payload is a sequence of varints (encoding/binary: uvarint for counts
// and lengths, zig-zag varint for times in Unix nanoseconds and for deltas),
// strings as a uvarint length and bytes, and the target as 8 bytes of IEEE
// 754 bits:
//
//	taken            varint   when the snapshot was taken
//	widths           uvarint n (3 today), then each tier's bucket width in ns
//	dropped          uvarint ×2  events dropped as too old, too new
//	corrections      uvarint n, then n × (id, objective, start, end,
//	                 reason, recurrence, time zone)
//	objectives       uvarint n, then n × objective
//	objective        name, kind, target, threshold (ns), window (as
//	                 Window.String), group-by label, uvarint n, n × series
//	series           group, lifetime good, bad, excluded, policy state,
//	                 evaluated-at, alerts (uvarint n, n × (rule name, firing
//	                 byte, since)), n × tier, latency
//	tier             uvarint runs, then per run of consecutive buckets:
//	                 varint first bucket (the first run's absolute, later
//	                 ones relative to the previous run's end), uvarint
//	                 length, then per bucket the zig-zag deltas of good and
//	                 bad from the bucket before (the first from zero)
//	latency          uvarint slots, then per 5-minute slot: varint slot
//	                 number, uvarint max (µs), uvarint n, n × (uvarint
//	                 histogram index delta, uvarint count)
//	sections         optional, after the objectives: uvarint n, then n ×
//	                 (name, uvarint length, that many bytes). A reader
//	                 skips the sections it does not know, so that a later
//	                 release can add state that this one ignores. Known:
//	                 "incidents" and "changes" (package budget). Readers before
//	                 sections existed refuse a file that has any, so a
//	                 section is written only when it has something to say.
//
// Only buckets holding counts are written; runs and deltas keep a steady
// stream's buckets at two or three bytes each. A reader refuses a file whose
// magic, length or checksum is wrong, and every length in the payload is
// checked against the bytes that remain, so a damaged file costs no more
// memory than its size.
//
// Versions. A release that adds to the format raises the minor version and
// adds only what a reader of a lower minor skips: sections, or bytes after
// the sections. A reader reads every minor of its major, the higher ones
// without what it does not know, so rolling a release back keeps the
// counts. The major version changes only for a change an older reader would
// misread; such a reader refuses the file and leaves it in place (the error
// does not wrap ErrCorrupt), so rolling forward again finds it. Readers
// before this rule (minor 1, major 0) refuse every other version: a release
// keeps writing minor 1 while it adds nothing they would skip.

const (
	major   = 0 // the major version written and read
	minor   = 1 // the minor version written
	magic   = "errbudg\x00"
	header  = 20
	trailer = 4
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// AppendBinary appends the encoded state to b (encoding.BinaryAppender).
func (st *State) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	e := &wire.Encoder{Buf: append(b, magic...)}
	e.Buf = binary.BigEndian.AppendUint16(e.Buf, major)
	e.Buf = binary.BigEndian.AppendUint16(e.Buf, minor)
	e.Buf = binary.BigEndian.AppendUint64(e.Buf, 0) // length, set below
	e.Time(st.Taken)
	e.Uvarint(uint64(len(st.BucketWidths)))
	for _, w := range st.BucketWidths {
		e.Uvarint(uint64(w))
	}
	e.Count(st.DroppedPast)
	e.Count(st.DroppedFuture)
	encodeCorrections(e, st.Corrections)
	e.Uvarint(uint64(len(st.Objectives)))
	for i := range st.Objectives {
		o := &st.Objectives[i]
		e.Str(o.Name)
		e.Uvarint(uint64(o.Kind))
		e.Float64(o.Target)
		e.Varint(int64(o.Threshold))
		e.Str(o.Window)
		e.Str(o.GroupBy)
		e.Uvarint(uint64(len(o.Series)))
		for j := range o.Series {
			if n := len(o.Series[j].Tiers); n != len(st.BucketWidths) || n == 0 || n > maxTiers {
				return b, fmt.Errorf("state: %s[%s]: %d tiers for %d bucket widths", o.Name, o.Series[j].Group, n, len(st.BucketWidths))
			}
			encodeSeries(e, &o.Series[j])
		}
	}
	// A file without sections is what readers before sections read.
	if len(st.Sections) > 0 {
		e.Uvarint(uint64(len(st.Sections)))
		for _, x := range st.Sections {
			e.Str(x.Name)
			e.Bytes(x.Data)
		}
	}
	snap := e.Buf[start:]
	binary.BigEndian.PutUint64(snap[12:20], uint64(len(snap)-header))
	return binary.BigEndian.AppendUint32(e.Buf, crc32.Checksum(snap, crcTable)), nil
}

func encodeCorrections(e *wire.Encoder, cs []Correction) {
	e.Uvarint(uint64(len(cs)))
	for _, c := range cs {
		e.Str(c.ID)
		e.Str(c.Objective)
		e.Time(c.Start)
		e.Time(c.End)
		e.Str(c.Reason)
		e.Str(c.Recurrence)
		e.Str(c.TimeZone)
	}
}

func encodeAlerts(e *wire.Encoder, as []Alert) {
	e.Uvarint(uint64(len(as)))
	for _, a := range as {
		e.Str(a.Rule)
		e.Bool(a.Firing)
		e.Time(a.Since)
	}
}

func encodeSeries(e *wire.Encoder, s *Series) {
	e.Str(s.Group)
	e.Count(s.Good)
	e.Count(s.Bad)
	e.Count(s.Excluded)
	e.Uvarint(uint64(s.Policy))
	e.Time(s.EvaluatedAt)
	encodeAlerts(e, s.Alerts)
	for _, t := range s.Tiers {
		encodeTier(e, t, 0)
	}
	encodeSlots(e, s.Latency, 0)
}

// encodeSlots writes latency slots, their numbers relative to ref.
func encodeSlots(e *wire.Encoder, ls []LatencySlot, ref int64) {
	e.Uvarint(uint64(len(ls)))
	for _, l := range ls {
		e.Varint(l.N - ref)
		e.Count(l.Max)
		e.Uvarint(uint64(len(l.Counts)))
		prev := 0
		for _, c := range l.Counts {
			e.Uvarint(uint64(c.Index - prev))
			e.Count(c.Count)
			prev = c.Index
		}
	}
}

// encodeTier writes ascending buckets as runs of consecutive bucket
// numbers, the first run's start relative to prevEnd.
func encodeTier(e *wire.Encoder, bs []Bucket, prevEnd int64) {
	runs := 0
	for i := range bs {
		if i == 0 || bs[i].N != bs[i-1].N+1 {
			runs++
		}
	}
	e.Uvarint(uint64(runs))
	for i := 0; i < len(bs); {
		j := i + 1
		for j < len(bs) && bs[j].N == bs[j-1].N+1 {
			j++
		}
		e.Varint(bs[i].N - prevEnd)
		e.Uvarint(uint64(j - i))
		var g, b int64
		for _, x := range bs[i:j] {
			e.Varint(x.Good - g)
			e.Varint(x.Bad - b)
			g, b = x.Good, x.Bad
		}
		prevEnd = bs[j-1].N + 1
		i = j
	}
}

// checkHeader checks a snapshot's first header bytes against the size of
// the whole: its magic, its version, and that its payload length accounts
// for every byte. Every error wraps ErrCorrupt.
func checkHeader(h []byte, size int64) error {
	if string(h[:len(magic)]) != magic {
		return fmt.Errorf("%w: not an errbudget snapshot", ErrCorrupt)
	}
	switch maj, mi := binary.BigEndian.Uint16(h[8:10]), binary.BigEndian.Uint16(h[10:12]); {
	case maj > major:
		return fmt.Errorf("%w: format version %d.%d is newer than this build reads (%d.x); left in place for the release that wrote it", errNewerMajor, maj, mi, major)
	case maj < major || mi == 0:
		return fmt.Errorf("%w: unknown format version %d.%d", ErrCorrupt, maj, mi)
	}
	if n, have := binary.BigEndian.Uint64(h[12:20]), size-header-trailer; have < 0 || n != uint64(have) {
		return fmt.Errorf("%w: length %d does not match the file's %d payload bytes (truncated?)", ErrCorrupt, n, have)
	}
	return nil
}

// readSnapshot reads a snapshot from r, a file of size bytes: the header
// first, and the rest only when the header is a snapshot's and its length
// accounts for the file's size exactly, so that a file that is not a
// snapshot costs the read of a header, however large it is. A file shorter
// than a header is read whole (a few bytes) for UnmarshalBinary to say what
// is wrong with it.
func readSnapshot(r io.Reader, size int64) ([]byte, error) {
	if size < header+trailer {
		return io.ReadAll(io.LimitReader(r, header+trailer)) // it may have shrunk
	}
	h := make([]byte, header)
	if err := readFull(r, h); err != nil {
		return nil, err
	}
	if err := checkHeader(h, size); err != nil {
		return nil, err
	}
	if size > maxSnapshot {
		return nil, fmt.Errorf("%w: %d bytes, too large for a snapshot (at most %d)", ErrCorrupt, size, int64(maxSnapshot))
	}
	b := make([]byte, size)
	copy(b, h)
	return b, readFull(r, b[header:])
}

// readFull fills b from r; a file that ends first is corrupt.
func readFull(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: truncated while being read", ErrCorrupt)
	}
	return err
}

// maxSnapshot bounds what readSnapshot reads, whatever the header says: a
// larger file is too large for a snapshot (50 objectives with 30-day
// windows take about 1 MB).
const maxSnapshot = 1 << 30

// errNewerMajor is wrapped by the error a file of a newer major version
// comes back with: not ErrCorrupt, so that it stays in place.
var errNewerMajor = errors.New("state: written by a newer release")

// UnmarshalBinary replaces st with the state b encodes
// (encoding.BinaryUnmarshaler). Sections share b. An error leaves st
// unchanged; every one wraps ErrCorrupt but for a file of a newer major
// version (see the format's versions), which this build cannot read but
// must not destroy.
func (st *State) UnmarshalBinary(b []byte) error {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	switch {
	case len(b) == 0:
		return corrupt("empty")
	case !bytes.HasPrefix(b, []byte(magic)) && !bytes.HasPrefix([]byte(magic), b):
		return corrupt("not an errbudget snapshot")
	case len(b) < header+trailer:
		return corrupt("truncated: %d bytes", len(b))
	}
	if err := checkHeader(b[:header], int64(len(b))); err != nil {
		return err
	}
	body := b[:len(b)-trailer]
	if want, got := binary.BigEndian.Uint32(b[len(b)-trailer:]), crc32.Checksum(body, crcTable); want != got {
		return corrupt("checksum mismatch (%08x, want %08x)", got, want)
	}
	d := &wire.Decoder{B: body[header:]}
	out := decodeState(d)
	if d.Err != nil {
		return corrupt("%v", d.Err)
	}
	if len(d.B) != 0 && binary.BigEndian.Uint16(b[10:12]) <= minor {
		return corrupt("%d bytes after the payload", len(d.B)) // a newer minor may add them
	}
	*st = *out
	return nil
}

// The minimum sizes of items, for Decoder.Length: a correction 7 bytes, an
// objective 14, a series 11 (an empty one), an alert 3, a run of buckets 4,
// a bucket 2, a latency slot 3, a histogram count 2, a section 2.

func decodeState(d *wire.Decoder) *State {
	st := &State{Taken: d.Time()}
	nw := d.Length(1)
	if (nw == 0 || nw > maxTiers) && d.Err == nil {
		d.Fail("%d tiers", nw)
	}
	for range nw {
		w := d.Count()
		if w <= 0 && d.Err == nil {
			d.Fail("tier width %d", w)
		}
		st.BucketWidths = append(st.BucketWidths, time.Duration(w))
	}
	st.DroppedPast, st.DroppedFuture = d.Count(), d.Count()
	st.Corrections = decodeCorrections(d, nil)
	for range d.Length(14) {
		o := Objective{Name: d.Str()}
		if k := d.Uvarint(); k <= uint64(sli.Quality) {
			o.Kind = sli.Kind(k)
		} else {
			d.Fail("objective %q: unknown kind %d", o.Name, k)
		}
		o.Target, o.Threshold = d.Float64(), time.Duration(d.Varint())
		o.Window, o.GroupBy = d.Str(), d.Str()
		for range d.Length(11) {
			o.Series = append(o.Series, decodeSeries(d, st.BucketWidths))
		}
		st.Objectives = append(st.Objectives, o)
	}
	if d.Err == nil && len(d.B) > 0 {
		for range d.Length(2) {
			x := Section{Name: d.Str()}
			x.Data = d.Bytes(d.Length(1))
			st.Sections = append(st.Sections, x)
		}
	}
	return st
}

// Bounds on what a file may say. maxBucket bounds the instants (ns) a
// bucket may start at, so that arithmetic on a damaged file's bucket
// numbers cannot overflow.
const (
	maxTiers     = 8
	maxPolicy    = 2 // budget.Exhausted
	maxHistogram = 1 << 16
	maxBucket    = int64(1) << 62
)

func decodeCorrections(d *wire.Decoder, out []Correction) []Correction {
	for range d.Length(7) {
		out = append(out, Correction{ID: d.Str(), Objective: d.Str(), Start: d.Time(), End: d.Time(),
			Reason: d.Str(), Recurrence: d.Str(), TimeZone: d.Str()})
	}
	return out
}

func decodeAlerts(d *wire.Decoder, out []Alert) []Alert {
	for range d.Length(3) {
		out = append(out, Alert{Rule: d.Str(), Firing: d.Byte() == 1, Since: d.Time()})
	}
	return out
}

func decodeSeries(d *wire.Decoder, widths []time.Duration) Series {
	s := Series{Group: d.Str(), Good: d.Count(), Bad: d.Count(), Excluded: d.Count()}
	if p := d.Uvarint(); p <= maxPolicy {
		s.Policy = uint8(p)
	} else {
		d.Fail("policy state %d", p)
	}
	s.EvaluatedAt = d.Time()
	s.Alerts = decodeAlerts(d, nil)
	s.Tiers = make([][]Bucket, len(widths))
	for i := range s.Tiers {
		if d.Err == nil {
			s.Tiers[i] = decodeTier(d, nil, maxBucket/int64(widths[i]))
		}
	}
	s.Latency = decodeSlots(d, nil, 0)
	return s
}

// decodeSlots appends latency slots to out, their numbers relative to ref,
// each after the one before.
func decodeSlots(d *wire.Decoder, out []LatencySlot, ref int64) []LatencySlot {
	const limit = maxBucket / int64(5*time.Minute)
	for range d.Length(3) {
		l := LatencySlot{N: d.Varint(), Max: d.Count()}
		if l.N < -2*limit || l.N > 2*limit || ref+l.N > limit || ref+l.N < -limit {
			d.Fail("latency slot %d out of range", l.N)
			return out
		}
		l.N += ref
		idx := 0
		for range d.Length(2) {
			idx += int(min(d.Uvarint(), maxHistogram))
			if idx >= maxHistogram {
				d.Fail("histogram index %d out of range", idx)
				break
			}
			l.Counts = append(l.Counts, HistogramCount{idx, d.Count()})
		}
		out = append(out, l)
	}
	return out
}

// decodeTier appends a tier's buckets to out, whose numbers must lie
// within ±limit, and after out's last.
func decodeTier(d *wire.Decoder, out []Bucket, limit int64) []Bucket {
	b, first := int64(0), int64(-4*limit) // the first run's least delta
	if len(out) > 0 {
		b, first = out[len(out)-1].N+1, 0
	}
	for r := range d.Length(4) {
		delta := d.Varint()
		n := d.Length(2)
		if (r > 0 && delta < 1) || delta < first || delta < -2*limit || delta > 2*limit || b+delta < -limit || b+delta+int64(n) > limit {
			d.Fail("bucket numbers out of order or range")
			return nil
		}
		b += delta
		out = slices.Grow(out, n)
		// The inner loop of a restore: varints read straight off the
		// bytes, without a call per count.
		var g, bd int64
		buf := d.B
		for range n {
			dg, k := binary.Varint(buf)
			if k <= 0 {
				d.Fail("bad varint")
				return nil
			}
			db, k2 := binary.Varint(buf[k:])
			if k2 <= 0 {
				d.Fail("bad varint")
				return nil
			}
			buf = buf[k+k2:]
			g += dg
			bd += db
			if g < 0 || bd < 0 {
				d.Fail("negative count in bucket %d", b)
				return nil
			}
			out = append(out, Bucket{b, g, bd})
			b++
		}
		d.B = buf
	}
	return out
}
