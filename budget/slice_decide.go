package budget

import (
	"math"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// sliceState is a time-slice series' verdicts (nil for occurrences).
type sliceState struct {
	v     *window.Slices
	dirty int64        // the oldest decided slice an event or a correction reached since; MaxInt64 when none
	ppb   int64        // Timeslices: the slice target in parts per billion
	last  sliceWindows // the windows of the status being computed, reused
}

// initSlices marks a time-slice series. An ungrouped series (made by New)
// counts its slices from the one holding the clock's reading; a group's
// series from its first counted event, or its first read
// (startSlicesLocked makes the verdict store then).
func (s *Series) initSlices() {
	o := s.obj
	if !o.Budgeting.IsTimeslices() {
		return
	}
	s.slc = &sliceState{dirty: math.MaxInt64, ppb: int64(math.Round(o.SliceTarget * ppb))}
	if o.GroupBy == "" {
		s.newSlices(window.FloorDiv(s.tr.now().UnixNano(), int64(o.Slice())))
	}
}

func (s *Series) newSlices(first int64) {
	s.slc.v = window.NewSlices(int64(s.obj.Slice()), int(s.ring.Tier(2).Len()), first, s.obj.Budgeting == sli.RatioTimeslices)
}

// startSlicesLocked makes the verdict store of a group's series at the
// instant until (ns), from the slice of the oldest event the fine tier
// holds (or of until): the group's slices before it counted anything are
// not counted, neither good nor bad.
func (s *Series) startSlicesLocked(until int64) {
	at := window.FloorDiv(until, window.FineWidth)
	if b, ok := s.ring.Tier(0).FirstBucket(at-s.ring.Tier(0).Len()+1, at); ok {
		at = b
	}
	s.newSlices(window.FloorDiv(at*window.FineWidth, int64(s.obj.Slice())))
}

// sliceAddedLocked follows Ring.Add of counts to fine bucket fb, the one
// way counts reach the fine tier: a slice already decided that holds fb is
// decided again at the next read (a late event), and the slices whose
// buckets the fine tier is about to let go (older than half its span) are
// decided now, so that a series nobody reads still decides each slice from
// its 10-second buckets. Reads decide the rest. Nothing of this runs per
// event: counts reach the ring at a flush, once per bucket.
func (s *Series) sliceAddedLocked(fb int64) {
	if s.slc == nil {
		return
	}
	if s.slc.v == nil {
		s.startSlicesLocked(fb * window.FineWidth)
	}
	v := s.slc.v
	if i := window.FloorDiv(fb*window.FineWidth, v.Width()); i < v.Next() {
		s.slc.dirty = min(s.slc.dirty, i)
	}
	if until := (fb - s.ring.Tier(0).Len()/2) * window.FineWidth; until >= (v.Next()+1)*v.Width() {
		s.decideSlicesLocked(until)
	}
}

// slicesFoldedLocked is sliceAddedLocked for a fold of fine buckets lo …
// hi (ascending), the way the stripes' counts reach the ring.
func (s *Series) slicesFoldedLocked(lo, hi int64) {
	if s.slc == nil {
		return
	}
	s.sliceAddedLocked(lo)
	if hi != lo {
		s.sliceAddedLocked(hi)
	}
}

// touchSlicesLocked is touchSliceLocked for the instants [start, end).
func (s *Series) touchSlicesLocked(start, end int64) {
	if s.slc == nil || s.slc.v == nil || end <= start {
		return
	}
	if i := window.FloorDiv(start, s.slc.v.Width()); i < s.slc.v.Next() {
		s.slc.dirty = min(s.slc.dirty, i)
	}
}

// decideSlicesLocked decides every slice that ends by the instant until
// (ns), and decides again the recent ones an event or a correction reached
// since their verdict.
func (s *Series) decideSlicesLocked(until int64) {
	sl := s.slc
	if sl.v == nil {
		s.startSlicesLocked(until)
	}
	v := sl.v
	if sl.dirty != math.MaxInt64 {
		for i := max(sl.dirty, v.Next()-int64(window.RecentSlices(v.Width()))); i < v.Next(); i++ {
			if v.Recent(i) {
				s.decideSliceLocked(i)
			}
		}
		sl.dirty = math.MaxInt64
	}
	last := window.FloorDiv(until, v.Width()) // slices before it have ended
	if last-v.Next() > v.Span() {
		v.Restart(last - v.Span()) // idle for longer than the span: nothing older counts
	}
	for i := v.Next(); i < last; i++ {
		s.decideSliceLocked(i)
	}
}

// decideSliceLocked gives slice i its verdict from the fine tier (the
// medium tier for what the fine tier no longer holds, which only a series
// neither read nor recording for hours needs).
//
// A slice any instant of which a correction covers is good. Otherwise a
// slice without events is empty (counted as Objective.EmptySlices says);
// a Timeslices slice is good when good/total ≥ SliceTarget, compared
// exactly in integers; a RatioTimeslices slice spends bad/total of a slice
// (window.SliceUnit fixed point, rounded to the nearest unit) and counts as
// bad when it has a bad event.
func (s *Series) decideSliceLocked(i int64) {
	v := s.slc.v
	w := v.Width()
	start := i * w
	if s.correctedSpan(start, start+w) {
		v.Decide(i, window.SliceGood, 0)
		return
	}
	c := s.ring.FineRange(window.FloorDiv(start, window.FineWidth), window.FloorDiv(start+w, window.FineWidth)-1)
	switch {
	case c.Good+c.Bad == 0:
		v.Decide(i, window.SliceEmpty, 0)
	case s.obj.Budgeting == sli.RatioTimeslices:
		verdict := window.SliceGood
		if c.Bad > 0 {
			verdict = window.SliceBad
		}
		v.Decide(i, verdict, window.SpentOf(c.Good, c.Bad))
	case window.MeetsTarget(c.Good, c.Bad, s.slc.ppb):
		v.Decide(i, window.SliceGood, 0)
	default:
		v.Decide(i, window.SliceBad, 0)
	}
}

// correctedSpan reports whether a correction for the series' objective
// covers any instant of [start, end).
func (s *Series) correctedSpan(start, end int64) bool {
	if s.slo.corr.Load() == nil {
		return false
	}
	t := s.tr
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	found := false
	for _, x := range t.compiledLocked() {
		if x.Objective != "" && x.Objective != s.obj.Name {
			continue
		}
		x.spans(start, end, func(a, b int64) {
			if a < b {
				found = true
			}
		})
		if found {
			return true
		}
	}
	return false
}

// sliceWidth is the objective's slice width.
func (s *Series) sliceWidth() time.Duration { return time.Duration(s.slc.v.Width()) }
