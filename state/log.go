package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/errbudget/errbudget/internal/wire"
)

// The log.
//
// A store that is told what changed (Changes) writes a snapshot (the base)
// now and then, and between two bases appends what changed since the
// previous save to a log, a second file beside the base (FileStore:
// path.log): a steady service changes a few buckets a series each
// interval, out of the thousands a 30-day window holds. Loading reads the
// base and applies the log's records in order.
//
//	offset  size  field
//	0       8     magic "errblog\x00"
//	8       2     major version, big-endian (0)
//	10      2     minor version, big-endian (1)
//	12      8     the base's length, big-endian
//	20      4     the base's CRC-32C (its last 4 bytes)
//	24      ...   records
//
// A log names its base: one whose base is not the snapshot beside it (a
// crash after a new base replaced the old one, before the log was removed;
// a release that does not write logs saved since) is stale and ignored. A
// release that does not know logs reads the base alone: it loses the
// intervals since the base, not the budget. Each record is
//
//	4     payload length n, big-endian
//	n     payload
//	4     CRC-32C of the length and the payload, big-endian
//
// so that a record cut short (a crash, a power cut during the append) is
// detected and dropped with the records after it, losing at most that
// interval. The payload:
//
//	taken            varint
//	dropped          uvarint ×2
//	flags            byte: 1 corrections follow, 2 sections follow
//	corrections      as in a snapshot: all of them
//	sections         uvarint n, n × (name, bytes): all of them
//	objectives       uvarint n, the state's objective count
//	objective        uvarint series count, uvarint changed count, then per
//	                 changed series: uvarint index (the first's, then the
//	                 gap after the one before), flags byte (1 new series, 2
//	                 alerts follow), group (new series only), lifetime good,
//	                 bad, excluded, policy state, evaluated-at, alerts (when
//	                 flagged or new), per tier a splice and the tail
//	                 buckets (as a snapshot's tier, the first run relative
//	                 to the bucket after the last kept), then the latency
//	                 slots' splice and tail (slot numbers relative to the
//	                 last kept slot)
//	splice           uvarint drop, uvarint keep (see Splice)
//
// A reader of a higher minor ignores bytes after the payload it knows; a
// log of a newer major is ignored (its base still loads). Records are
// applied only when complete, checksummed and consistent with the state so
// far: at the first that is not, loading stops, with the records before it
// applied.

// Changes tells a store how the State it saves differs from the State of
// its previous successful save, so that it can write only what changed
// (budget computes them as it captures). A store may ignore them.
type Changes struct {
	Corrections bool             // the corrections differ
	Sections    bool             // a section differs, or one came or went
	Series      [][]SeriesChange // by objective, then series, as in the State
}

// SeriesChange says how one series of a State differs from the series at
// the same place in the previous State.
type SeriesChange struct {
	Changed bool     // anything differs; when false the rest is ignored
	New     bool     // the place held another series, or none: all of it is new
	Alerts  bool     // the alerts differ
	Tiers   []Splice // one per tier
	Latency Splice   // the latency slots
}

// A Splice says how an ascending list (a tier's buckets, the latency
// slots) came from the previous one: it starts with the previous list's
// elements [Drop, Drop+Keep), equal, and goes on with elements that are new
// or differ. An unchanged list is {0, its length}; one whose oldest bucket
// aged out, {1, its length − 1}, followed by nothing new.
type Splice struct{ Drop, Keep int }

const (
	logMagic  = "errblog\x00"
	logHeader = 24
	logMinor  = 1
	recFrame  = 8 // a record's length and checksum
)

// logHeaderFor returns the header of a log whose base is a snapshot of
// baseLen bytes ending with tail (its checksum).
func logHeaderFor(baseLen int, tail []byte) []byte {
	h := append(make([]byte, 0, logHeader), logMagic...)
	h = binary.BigEndian.AppendUint16(h, major)
	h = binary.BigEndian.AppendUint16(h, logMinor)
	h = binary.BigEndian.AppendUint64(h, uint64(baseLen))
	return append(h, tail...)
}

// errStaleLog: the log belongs to another base (or another major version);
// it is ignored.
var errStaleLog = errors.New("state: the log is not this base's")

// checkLogHeader reports whether log (a log file's content) belongs to
// base: errStaleLog when it names another base or is of a newer major
// version, an error wrapping ErrCorrupt when it is not a log.
func checkLogHeader(log, base []byte) error {
	if len(log) < logHeader || string(log[:len(logMagic)]) != logMagic {
		return fmt.Errorf("%w: not an errbudget log", ErrCorrupt)
	}
	if binary.BigEndian.Uint16(log[8:10]) != major || binary.BigEndian.Uint16(log[10:12]) == 0 {
		return errStaleLog
	}
	if binary.BigEndian.Uint64(log[12:20]) != uint64(len(base)) || string(log[20:24]) != string(base[len(base)-trailer:]) {
		return errStaleLog
	}
	return nil
}

// appendRecord appends a log record of st's changes ch to b.
func appendRecord(b []byte, st *State, ch *Changes) ([]byte, error) {
	if len(ch.Series) != len(st.Objectives) {
		return b, fmt.Errorf("state: changes of %d objectives for %d", len(ch.Series), len(st.Objectives))
	}
	start := len(b)
	e := &wire.Encoder{Buf: append(b, 0, 0, 0, 0)}
	e.Time(st.Taken)
	e.Count(st.DroppedPast)
	e.Count(st.DroppedFuture)
	var flags byte
	if ch.Corrections {
		flags |= 1
	}
	if ch.Sections {
		flags |= 2
	}
	e.Buf = append(e.Buf, flags)
	if ch.Corrections {
		encodeCorrections(e, st.Corrections)
	}
	if ch.Sections {
		e.Uvarint(uint64(len(st.Sections)))
		for _, x := range st.Sections {
			e.Str(x.Name)
			e.Bytes(x.Data)
		}
	}
	e.Uvarint(uint64(len(st.Objectives)))
	for i := range st.Objectives {
		series, chs := st.Objectives[i].Series, ch.Series[i]
		if len(chs) != len(series) {
			return b, fmt.Errorf("state: changes of %d series for %d", len(chs), len(series))
		}
		e.Uvarint(uint64(len(series)))
		n := 0
		for _, c := range chs {
			if c.Changed {
				n++
			}
		}
		e.Uvarint(uint64(n))
		next := 0
		for j, c := range chs {
			if !c.Changed {
				continue
			}
			s := &series[j]
			if len(c.Tiers) != len(s.Tiers) || len(s.Tiers) != len(st.BucketWidths) {
				return b, fmt.Errorf("state: %s[%s]: changes of %d tiers for %d", st.Objectives[i].Name, s.Group, len(c.Tiers), len(s.Tiers))
			}
			e.Uvarint(uint64(j - next))
			next = j + 1
			var f byte
			if c.New {
				f |= 1
			}
			if c.Alerts || c.New {
				f |= 2
			}
			e.Buf = append(e.Buf, f)
			if c.New {
				e.Str(s.Group)
			}
			e.Count(s.Good)
			e.Count(s.Bad)
			e.Count(s.Excluded)
			e.Uvarint(uint64(s.Policy))
			e.Time(s.EvaluatedAt)
			if f&2 != 0 {
				encodeAlerts(e, s.Alerts)
			}
			for k, t := range s.Tiers {
				sp := c.Tiers[k]
				if c.New {
					sp = Splice{}
				}
				if sp.Keep < 0 || sp.Drop < 0 || sp.Keep > len(t) {
					return b, fmt.Errorf("state: splice %+v of a tier of %d buckets", sp, len(t))
				}
				e.Uvarint(uint64(sp.Drop))
				e.Uvarint(uint64(sp.Keep))
				ref := int64(0)
				if sp.Keep > 0 {
					ref = t[sp.Keep-1].N + 1
				}
				encodeTier(e, t[sp.Keep:], ref)
			}
			sp := c.Latency
			if c.New {
				sp = Splice{}
			}
			if sp.Keep < 0 || sp.Drop < 0 || sp.Keep > len(s.Latency) {
				return b, fmt.Errorf("state: splice %+v of %d latency slots", sp, len(s.Latency))
			}
			e.Uvarint(uint64(sp.Drop))
			e.Uvarint(uint64(sp.Keep))
			ref := int64(0)
			if sp.Keep > 0 {
				ref = s.Latency[sp.Keep-1].N
			}
			encodeSlots(e, s.Latency[sp.Keep:], ref)
		}
	}
	rec := e.Buf[start:]
	binary.BigEndian.PutUint32(rec, uint32(len(rec)-4))
	return binary.BigEndian.AppendUint32(e.Buf, crc32.Checksum(rec, crcTable)), nil
}

// replay applies the records of log (after its header) to st, in order,
// and returns how many bytes of records it applied. It stops at a record
// cut short, returning nil, or at a damaged one, returning an error
// wrapping ErrCorrupt; st then holds the records before. When a record
// fails part way through (consistent checksum, inconsistent content), st
// is left partly changed and the error says so with errPartial: the caller
// reloads the base and replays up to the bytes returned.
func replay(st *State, log []byte, newer bool) (int, error) {
	done := 0
	for rest := log; len(rest) > 0; {
		if len(rest) < recFrame {
			return done, nil // cut short
		}
		n := int(binary.BigEndian.Uint32(rest))
		if n > len(rest)-recFrame {
			return done, nil // cut short
		}
		rec := rest[:4+n]
		if want, got := binary.BigEndian.Uint32(rest[4+n:]), crc32.Checksum(rec, crcTable); want != got {
			return done, fmt.Errorf("%w: log record at byte %d: checksum mismatch (%08x, want %08x)", ErrCorrupt, logHeader+done, got, want)
		}
		d := &wire.Decoder{B: rec[4:]}
		applyRecord(d, st)
		if d.Err == nil && len(d.B) != 0 && !newer {
			d.Fail("%d bytes after the record", len(d.B))
		}
		if d.Err != nil {
			return done, fmt.Errorf("%w: log record at byte %d: %v (%w)", ErrCorrupt, logHeader+done, d.Err, errPartial)
		}
		done += n + recFrame
		rest = log[done:]
	}
	return done, nil
}

// errPartial: a record failed after changing the state.
var errPartial = errors.New("applied in part")

// applyRecord applies one record's payload to st.
func applyRecord(d *wire.Decoder, st *State) {
	st.Taken = d.Time()
	st.DroppedPast, st.DroppedFuture = d.Count(), d.Count()
	flags := d.Byte()
	if flags&1 != 0 {
		st.Corrections = decodeCorrections(d, st.Corrections[:0])
	}
	if flags&2 != 0 {
		st.Sections = st.Sections[:0]
		for range d.Length(2) {
			x := Section{Name: d.Str()}
			x.Data = d.Bytes(d.Length(1))
			st.Sections = append(st.Sections, x)
		}
	}
	if n := d.Uvarint(); n != uint64(len(st.Objectives)) {
		d.Fail("%d objectives, the state has %d", n, len(st.Objectives))
		return
	}
	for i := range st.Objectives {
		o := &st.Objectives[i]
		count := int(min(d.Uvarint(), uint64(len(o.Series))+uint64(len(d.B)))) // each new series takes bytes
		if d.Err != nil {
			return
		}
		if count < len(o.Series) {
			o.Series = o.Series[:count]
		}
		j := -1
		for range d.Length(4) {
			j += 1 + int(min(d.Uvarint(), uint64(count)))
			f := d.Byte()
			if d.Err != nil || j >= count || j > len(o.Series) || (f&1 == 0 && j == len(o.Series)) {
				d.Fail("series %d of %d (%d in the state)", j, count, len(o.Series))
				return
			}
			if f&1 != 0 {
				s := Series{Group: d.Str(), Tiers: make([][]Bucket, len(st.BucketWidths))}
				if j < len(o.Series) {
					o.Series[j] = s
				} else {
					o.Series = append(o.Series, s)
				}
			}
			applySeries(d, &o.Series[j], st.BucketWidths, f&2 != 0)
		}
		if len(o.Series) != count && d.Err == nil {
			d.Fail("%d series after the record, want %d", len(o.Series), count)
		}
	}
}

func applySeries(d *wire.Decoder, s *Series, widths []time.Duration, alerts bool) {
	s.Good, s.Bad, s.Excluded = d.Count(), d.Count(), d.Count()
	if p := d.Uvarint(); p <= maxPolicy {
		s.Policy = uint8(p)
	} else {
		d.Fail("policy state %d", p)
	}
	s.EvaluatedAt = d.Time()
	if alerts {
		s.Alerts = decodeAlerts(d, s.Alerts[:0])
	}
	if len(s.Tiers) != len(widths) {
		d.Fail("%d tiers, want %d", len(s.Tiers), len(widths))
		return
	}
	for k := range s.Tiers {
		t := s.Tiers[k]
		drop, keep := d.Uvarint(), d.Uvarint()
		if drop > uint64(len(t)) || keep > uint64(len(t))-drop {
			d.Fail("splice %d+%d of a tier of %d buckets", drop, keep, len(t))
			return
		}
		s.Tiers[k] = decodeTier(d, t[drop:drop+keep], maxBucket/int64(widths[k]))
		if d.Err != nil {
			return
		}
	}
	drop, keep := d.Uvarint(), d.Uvarint()
	if drop > uint64(len(s.Latency)) || keep > uint64(len(s.Latency))-drop {
		d.Fail("splice %d+%d of %d latency slots", drop, keep, len(s.Latency))
		return
	}
	ls := s.Latency[drop : drop+keep]
	ref := int64(0)
	if keep > 0 {
		ref = ls[keep-1].N
	}
	n := len(ls)
	ls = decodeSlots(d, ls, ref)
	if n > 0 && len(ls) > n && ls[n].N <= ls[n-1].N {
		d.Fail("latency slots out of order")
	}
	s.Latency = ls
}

// applyLog applies the records of log, whose header checkLogHeader
// accepted, to st, decoded from base. At a damaged record it returns an
// error wrapping ErrCorrupt, with st holding the records before it.
func applyLog(st *State, base, log []byte) error {
	newer := binary.BigEndian.Uint16(log[10:12]) > logMinor
	n, err := replay(st, log[logHeader:], newer)
	if errors.Is(err, errPartial) {
		// Start again from the base, and stop before the record that failed.
		if err := st.UnmarshalBinary(base); err != nil {
			return err
		}
		replay(st, log[logHeader:logHeader+n], newer)
	}
	return err
}
