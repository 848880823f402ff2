package budget

import (
	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/internal/wire"
	"github.com/errbudget/errbudget/sli"
)

// sliceSection names the state file's section of slice verdicts: per
// time-slice series (and grouped objective's overall entry) its objective,
// group, whether it is the overall entry, and its verdicts
// (window.Slices.Encode), each entry length-prefixed so that a reader
// skips what it cannot use. Readers before it skip the whole section.
const sliceSection = "slices"

// sliceSectionData returns the section's data; nil without time-slice
// objectives.
func (t *Tracker) sliceSectionData() []byte {
	var e, x wire.Encoder
	n := 0
	for _, slo := range t.slos {
		if !slo.decl.Budgeting.IsTimeslices() {
			continue
		}
		for _, s := range slo.AllSeries() {
			s.mu.Lock()
			if v := s.slc.v; v != nil {
				x.Buf = x.Buf[:0]
				x.Str(slo.decl.Name)
				x.Str(s.group)
				x.Bool(false)
				v.Encode(&x)
				e.Bytes(x.Buf)
				n++
			}
			s.mu.Unlock()
		}
		ov := &slo.overall
		ov.mu.Lock()
		if ov.v != nil {
			x.Buf = x.Buf[:0]
			x.Str(slo.decl.Name)
			x.Str("")
			x.Bool(true)
			ov.v.Encode(&x)
			e.Bytes(x.Buf)
			n++
		}
		ov.mu.Unlock()
	}
	if n == 0 {
		return nil
	}
	var out wire.Encoder
	out.Uvarint(uint64(n))
	out.Buf = append(out.Buf, e.Buf...)
	return out.Buf
}

// restoreSlices gives the series their saved verdicts. An entry whose
// objective is gone, no longer counts slices or changed its slice width is
// skipped: its slices count afresh.
func (t *Tracker) restoreSlices(data []byte) error {
	d := &wire.Decoder{B: data}
	for range d.Length(1) {
		x := &wire.Decoder{B: d.Bytes(d.Length(1))}
		if d.Err != nil {
			break
		}
		name, group, overall := x.Str(), x.Str(), x.Byte() == 1
		slo := t.byName[name]
		if x.Err != nil || slo == nil || !slo.decl.Budgeting.IsTimeslices() {
			continue
		}
		o := &slo.decl
		var s *Series
		switch {
		case overall && o.GroupBy == "":
			continue
		case overall:
		case o.GroupBy == "":
			s = slo.single
		default:
			if s = slo.Series(group); s.group != group {
				continue // past the cap now
			}
		}
		var coarse int64
		if s != nil {
			coarse = s.ring.Tier(2).Len()
		} else {
			r := window.NewRing(slo.horizon)
			coarse = r.Tier(2).Len()
		}
		v := window.DecodeSlices(x, int64(o.Slice()), int(coarse), o.Budgeting == sli.RatioTimeslices)
		if x.Err != nil {
			continue
		}
		if s == nil {
			slo.overall.v = v
			slo.overall.alerts = make([]alertState, len(t.rules))
			continue
		}
		s.mu.Lock()
		s.slc.v = v
		s.mu.Unlock()
	}
	return d.Err
}
