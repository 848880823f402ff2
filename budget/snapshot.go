package budget

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// The snapshot format.
//
// A snapshot is one self-checking byte string, the same whatever the Store
// keeps it in:
//
//	offset  size  field
//	0       8     magic "errbudg\x00"
//	8       4     format version, big-endian (SnapshotVersion)
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
//	widths           uvarint  3, then each tier's bucket width in ns
//	dropped          uvarint ×2  events dropped as too old, too new
//	corrections      uvarint n, then n × (id, objective, start, end,
//	                 reason, recurrence, time zone)
//	objectives       uvarint n, then n × objective
//	objective        name, kind, target, threshold (ns), window (as
//	                 Window.String), group-by label, uvarint n, n × series
//	series           group, lifetime good, bad, excluded, policy state,
//	                 evaluated-at, alerts (uvarint n, n × (rule name, firing
//	                 byte, since)), 3 × tier, latency
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
//	                 "incidents" (incident_state.go). Readers before
//	                 sections existed refuse a file that has any, so a
//	                 section is written only when it has something to say.
//
// Only buckets holding counts are written; runs and deltas keep a steady
// stream's buckets at two or three bytes each. A reader refuses a file whose
// magic, length or checksum is wrong or whose version is newer than its own,
// and every length in the payload is checked against the bytes that remain,
// so a damaged file costs no more memory than its size.

// SnapshotVersion is the version of the snapshot format this package writes
// and the newest it reads.
const SnapshotVersion = 1

const (
	snapMagic  = "errbudg\x00"
	snapHeader = 20
	snapTrail  = 4
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptState is wrapped by the error a snapshot that cannot be read
// comes back with: damaged, truncated, empty, not a snapshot, or from a
// newer version.
var ErrCorruptState = errors.New("budget: unreadable state")

// The decoded snapshot.

type stateData struct {
	sections      []section // in file order; unknown ones are skipped
	taken         int64
	widths        []int64
	droppedPast   int64
	droppedFuture int64
	corrections   []Correction
	objectives    []objectiveState
}

type objectiveState struct {
	name      string
	kind      sli.Kind
	target    float64
	threshold time.Duration
	window    string
	groupBy   string
	series    []seriesState
}

type seriesState struct {
	group               string
	good, bad, excluded int64
	policy              PolicyState
	evalAt              int64
	alerts              []savedAlert
	tiers               [3][]bucketState // ascending bucket numbers
	latency             []latencySlot
}

type savedAlert struct {
	rule   string
	firing bool
	since  int64
}

type bucketState = window.Bucket

// section is one named, length-prefixed part after the objectives.
type section struct {
	name string
	data []byte
}

type latencySlot = window.LatencySlot

type histCount = window.HistCount

// The encoder appends to a reusable buffer.

type encoder struct{ buf []byte }

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) varint(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) count(v int64)    { e.uvarint(uint64(max(v, 0))) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.varint(0)
		return
	}
	e.varint(t.UnixNano())
}

func (e *encoder) begin(taken time.Time, droppedPast, droppedFuture int64, corrs []Correction, objectives int) {
	e.buf = append(e.buf[:0], snapMagic...)
	e.buf = binary.BigEndian.AppendUint32(e.buf, SnapshotVersion)
	e.buf = binary.BigEndian.AppendUint64(e.buf, 0) // length, set by finish
	e.time(taken)
	e.uvarint(3)
	for _, w := range BucketWidths {
		e.uvarint(uint64(w))
	}
	e.count(droppedPast)
	e.count(droppedFuture)
	e.uvarint(uint64(len(corrs)))
	for _, c := range corrs {
		e.str(c.ID)
		e.str(c.Objective)
		e.time(c.Start)
		e.time(c.End)
		e.str(c.Reason)
		e.str(c.Recurrence)
		e.str(c.TimeZone)
	}
	e.uvarint(uint64(objectives))
}

func (e *encoder) objective(o *sli.Objective, series int) {
	e.str(o.Name)
	e.uvarint(uint64(o.Kind))
	e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(o.Target))
	e.varint(int64(o.Threshold))
	e.str(o.Window.String())
	e.str(o.GroupBy)
	e.uvarint(uint64(series))
}

func (e *encoder) series(s *seriesState) {
	e.str(s.group)
	e.count(s.good)
	e.count(s.bad)
	e.count(s.excluded)
	e.uvarint(uint64(s.policy))
	e.varint(s.evalAt)
	e.uvarint(uint64(len(s.alerts)))
	for _, a := range s.alerts {
		e.str(a.rule)
		if a.firing {
			e.buf = append(e.buf, 1)
		} else {
			e.buf = append(e.buf, 0)
		}
		e.varint(a.since)
	}
	for _, t := range s.tiers {
		e.tier(t)
	}
	e.uvarint(uint64(len(s.latency)))
	for _, l := range s.latency {
		e.varint(l.N)
		e.count(l.Max)
		e.uvarint(uint64(len(l.Counts)))
		prev := 0
		for _, c := range l.Counts {
			e.uvarint(uint64(c.I - prev))
			e.count(c.N)
			prev = c.I
		}
	}
}

// tier writes ascending buckets as runs of consecutive bucket numbers.
func (e *encoder) tier(bs []bucketState) {
	runs := 0
	for i := range bs {
		if i == 0 || bs[i].N != bs[i-1].N+1 {
			runs++
		}
	}
	e.uvarint(uint64(runs))
	prevEnd := int64(0)
	for i := 0; i < len(bs); {
		j := i + 1
		for j < len(bs) && bs[j].N == bs[j-1].N+1 {
			j++
		}
		e.varint(bs[i].N - prevEnd)
		e.uvarint(uint64(j - i))
		var g, b int64
		for _, x := range bs[i:j] {
			e.varint(x.Good - g)
			e.varint(x.Bad - b)
			g, b = x.Good, x.Bad
		}
		prevEnd = bs[j-1].N + 1
		i = j
	}
}

// sections appends the optional sections, when there are any.
func (e *encoder) sections(ss []section) {
	if len(ss) == 0 {
		return
	}
	e.uvarint(uint64(len(ss)))
	for _, x := range ss {
		e.str(x.name)
		e.uvarint(uint64(len(x.data)))
		e.buf = append(e.buf, x.data...)
	}
}

// finish sets the length and appends the checksum.
func (e *encoder) finish() []byte {
	binary.BigEndian.PutUint64(e.buf[12:20], uint64(len(e.buf)-snapHeader))
	e.buf = binary.BigEndian.AppendUint32(e.buf, crc32.Checksum(e.buf, crcTable))
	return e.buf
}

// checkHeader checks a snapshot's first snapHeader bytes against the size
// of the whole: its magic, its version, and that its payload length accounts
// for every byte. Every error wraps ErrCorruptState.
func checkHeader(h []byte, size int64) error {
	if string(h[:len(snapMagic)]) != snapMagic {
		return fmt.Errorf("%w: not an errbudget snapshot", ErrCorruptState)
	}
	if v := binary.BigEndian.Uint32(h[8:12]); v != SnapshotVersion {
		if v > SnapshotVersion {
			return fmt.Errorf("%w: format version %d is newer than this build reads (%d)", ErrCorruptState, v, SnapshotVersion)
		}
		return fmt.Errorf("%w: unknown format version %d", ErrCorruptState, v)
	}
	if n, have := binary.BigEndian.Uint64(h[12:20]), size-snapHeader-snapTrail; have < 0 || n != uint64(have) {
		return fmt.Errorf("%w: length %d does not match the file's %d payload bytes (truncated?)", ErrCorruptState, n, have)
	}
	return nil
}

// readSnapshot reads a snapshot from r, a file of size bytes: the header
// first, and the rest only when the header is a snapshot's and its length
// accounts for the file's size exactly, so that a file that is not a
// snapshot costs the read of a header, however large it is. A file shorter
// than a header is read whole (a few bytes) for decodeState to say what is
// wrong with it.
func readSnapshot(r io.Reader, size int64) ([]byte, error) {
	if size < snapHeader+snapTrail {
		b := make([]byte, max(size, 0))
		n, err := io.ReadFull(r, b)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = nil // it shrank: decodeState says it is truncated
		}
		return b[:n], err
	}
	h := make([]byte, snapHeader)
	if _, err := io.ReadFull(r, h); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: truncated while being read", ErrCorruptState)
		}
		return nil, err
	}
	if err := checkHeader(h, size); err != nil {
		return nil, err
	}
	if size > maxSnapshot {
		return nil, fmt.Errorf("%w: %d bytes, too large for a snapshot (at most %d)", ErrCorruptState, size, int64(maxSnapshot))
	}
	b := make([]byte, size)
	copy(b, h)
	if _, err := io.ReadFull(r, b[snapHeader:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: truncated while being read", ErrCorruptState)
		}
		return nil, err
	}
	return b, nil
}

// maxSnapshot bounds what readSnapshot reads, whatever the header says: a
// larger file is too large for a snapshot (50 objectives with 30-day
// windows take about 1 MB).
const maxSnapshot = 1 << 30

// decodeState parses a snapshot. Every error wraps ErrCorruptState.
func decodeState(b []byte) (st *stateData, err error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrCorruptState}, args...)...)
	}
	switch {
	case len(b) == 0:
		return nil, corrupt("empty")
	case len(b) < len(snapMagic) && string(b) == snapMagic[:len(b)]:
		return nil, corrupt("truncated: %d bytes", len(b))
	case len(b) < len(snapMagic) || string(b[:8]) != snapMagic:
		return nil, corrupt("not an errbudget snapshot")
	case len(b) < snapHeader+snapTrail:
		return nil, corrupt("truncated: %d bytes", len(b))
	}
	if err := checkHeader(b[:snapHeader], int64(len(b))); err != nil {
		return nil, err
	}
	body := b[:len(b)-snapTrail]
	if want, got := binary.BigEndian.Uint32(b[len(b)-snapTrail:]), crc32.Checksum(body, crcTable); want != got {
		return nil, corrupt("checksum mismatch (%08x, want %08x)", got, want)
	}
	d := &decoder{b: body[snapHeader:]}
	st = d.state()
	if d.err != nil {
		return nil, corrupt("%v", d.err)
	}
	if len(d.b) != 0 {
		return nil, corrupt("%d bytes after the payload", len(d.b))
	}
	if len(st.widths) != len(BucketWidths) {
		return nil, corrupt("%d tiers, want %d", len(st.widths), len(BucketWidths))
	}
	for i, w := range BucketWidths {
		if st.widths[i] != int64(w) {
			return nil, corrupt("tier %d is %v wide, want %v", i, time.Duration(st.widths[i]), w)
		}
	}
	return st, nil
}

// decoder reads the payload; the first error sticks and every later read
// returns zero.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
		d.b = nil
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a non-negative count.
func (d *decoder) count() int64 {
	v := d.uvarint()
	if v > math.MaxInt64/4 {
		d.fail("count %d out of range", v)
		return 0
	}
	return int64(v)
}

// length reads the number of items that follow, each at least min bytes
// long, so that a damaged length cannot make the decoder allocate more
// than the input's size. The minimum sizes: a correction 7 bytes, an
// objective 14, a series 11 (an empty one), an alert 3, a run of buckets 4,
// a bucket 2, a latency slot 3, a histogram count 2.
func (d *decoder) length(min int) int {
	v := d.uvarint()
	if v > uint64(len(d.b)/min) {
		d.fail("length %d exceeds the %d bytes left", v, len(d.b))
		return 0
	}
	return int(v)
}

func (d *decoder) str() string {
	n := d.length(1)
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) time() time.Time {
	if v := d.varint(); v != 0 {
		return time.Unix(0, v).UTC()
	}
	return time.Time{}
}

func (d *decoder) state() *stateData {
	st := &stateData{taken: d.varint()}
	nw := d.length(1)
	for range nw {
		st.widths = append(st.widths, d.count())
	}
	st.droppedPast, st.droppedFuture = d.count(), d.count()
	nc := d.length(7)
	for range nc {
		c := Correction{ID: d.str(), Objective: d.str(), Start: d.time(), End: d.time(), Reason: d.str(), Recurrence: d.str(), TimeZone: d.str()}
		st.corrections = append(st.corrections, c)
	}
	no := d.length(14)
	for range no {
		o := objectiveState{name: d.str()}
		if k := d.uvarint(); k <= uint64(sli.Quality) {
			o.kind = sli.Kind(k)
		} else {
			d.fail("objective %q: unknown kind %d", o.name, k)
		}
		if len(d.b) < 8 {
			d.fail("truncated")
			break
		}
		o.target = math.Float64frombits(binary.BigEndian.Uint64(d.b))
		d.b = d.b[8:]
		o.threshold = time.Duration(d.varint())
		o.window, o.groupBy = d.str(), d.str()
		ns := d.length(11)
		for range ns {
			o.series = append(o.series, d.series())
		}
		st.objectives = append(st.objectives, o)
	}
	if d.err == nil && len(d.b) > 0 {
		n := d.length(2)
		for range n {
			x := section{name: d.str()}
			l := d.length(1)
			if d.err != nil {
				break
			}
			x.data, d.b = d.b[:l:l], d.b[l:]
			st.sections = append(st.sections, x)
		}
	}
	return st
}

func (d *decoder) series() seriesState {
	s := seriesState{group: d.str(), good: d.count(), bad: d.count(), excluded: d.count()}
	if p := d.uvarint(); p <= uint64(Exhausted) {
		s.policy = PolicyState(p)
	} else {
		d.fail("policy state %d", p)
	}
	s.evalAt = d.varint()
	na := d.length(3)
	for range na {
		s.alerts = append(s.alerts, savedAlert{rule: d.str(), firing: d.byte() == 1, since: d.varint()})
	}
	for i := range s.tiers {
		s.tiers[i] = d.tier(maxBucket / int64(BucketWidths[i]))
	}
	nl := d.length(3)
	for range nl {
		l := latencySlot{N: d.varint(), Max: d.count()}
		if l.N > maxBucket/window.LatencySlotWidth || l.N < -maxBucket/window.LatencySlotWidth {
			d.fail("latency slot %d out of range", l.N)
		}
		nh := d.length(2)
		idx := 0
		for range nh {
			idx += int(min(d.uvarint(), window.HistLen))
			if idx >= window.HistLen {
				d.fail("histogram index %d out of range", idx)
				break
			}
			l.Counts = append(l.Counts, histCount{I: idx, N: d.count()})
		}
		s.latency = append(s.latency, l)
	}
	return s
}

// maxBucket bounds the instants (ns) a bucket may start at, so that
// arithmetic on a damaged file's bucket numbers cannot overflow.
const maxBucket = int64(1) << 62

// tier reads a tier's buckets, whose numbers must lie within ±limit.
func (d *decoder) tier(limit int64) []bucketState {
	runs := d.length(4)
	var out []bucketState
	b := int64(0)
	for r := range runs {
		delta := d.varint()
		n := d.length(2)
		if (r > 0 && delta < 1) || delta < -2*limit || delta > 2*limit || b+delta < -limit || b+delta+int64(n) > limit {
			d.fail("bucket numbers out of order or range")
			return nil
		}
		b += delta
		var g, bd int64
		for range n {
			g += d.varint()
			bd += d.varint()
			if g < 0 || bd < 0 {
				d.fail("negative count in bucket %d", b)
				return nil
			}
			out = append(out, bucketState{N: b, Good: g, Bad: bd})
			b++
		}
	}
	return out
}
