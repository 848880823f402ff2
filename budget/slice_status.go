package budget

import (
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// sliceWindows are a status's slice counts per window length, so that the
// burn rates and the alerts of one status read each window once.
type sliceWindows struct {
	v     *window.Slices
	end   int64 // the first slice not closed at the status's instant
	w     int64 // slice width (ns)
	endNs int64
	lens  []time.Duration // the windows read so far, and their counts
	cnts  []window.SliceCounts
}

// get returns the closed slices of the window of length d ending at the
// status's instant: the slices that start at or after its start.
func (sw *sliceWindows) get(d time.Duration) window.SliceCounts {
	for i, l := range sw.lens {
		if l == d {
			return sw.cnts[i]
		}
	}
	c := sw.v.Count(window.FloorDiv(sw.endNs-int64(d), sw.w), sw.end)
	sw.lens, sw.cnts = append(sw.lens, d), append(sw.cnts, c)
	return c
}

// sliceTally is a span's slices after the objective's empty-slice rule:
// good and bad slices, those counted (not skipped), and the budget they
// spent in window.SliceUnit.
type sliceTally struct {
	good, bad, counted int64
	spentUnits         int64
}

func tallyOf(o *sli.Objective, c window.SliceCounts) sliceTally {
	t := sliceTally{good: c.Good, bad: c.Bad}
	switch o.EmptySlices {
	case sli.EmptyGood:
		t.good += c.Empty
	case sli.EmptyBad:
		t.bad += c.Empty
	}
	t.counted = t.good + t.bad
	if o.Budgeting == sli.RatioTimeslices {
		t.spentUnits = c.Spent
		if o.EmptySlices == sli.EmptyBad {
			t.spentUnits += c.Empty * window.SliceUnit
		}
	} else {
		t.spentUnits = t.bad * window.SliceUnit
	}
	return t
}

// counts returns the tally as the good and bad counts burn rates are
// computed from: for Timeslices the good and bad slices; for
// RatioTimeslices the same in window.SliceUnit, the spent budget as bad.
func (t sliceTally) counts(o *sli.Objective) counts {
	if o.Budgeting == sli.RatioTimeslices {
		return counts{good: t.counted*window.SliceUnit - t.spentUnits, bad: t.spentUnits}
	}
	return counts{good: t.good, bad: t.bad}
}

// sliceStatusLocked fills the status of a time-slice objective: it decides
// the slices closed by the clock's reading, sets Slices, SLI, Consumed and
// Remaining from them, and returns the windows' counts in slices (see
// sliceTally.counts) and the period's good and bad slices, which the burn
// rates, the alerts and the policy then read in place of events.
//
// The budget is fixed in time: Allowed = (1 − Target) × all the period's
// slices, closed or to come, Spent the bad ones (for ratio slices the sum
// of their spent shares), Remaining = 1 − Spent / Allowed.
func (s *Series) sliceStatusLocked(st *Status, now, clock time.Time) (func(int, time.Duration) (counts, string), counts) {
	s.decideSlicesLocked(clock.UnixNano())
	return sliceStatus(s.obj, s.slc.v, &s.slc.last, st, now)
}

// sliceStatus is sliceStatusLocked on the verdicts v, with sw the windows'
// counts to reuse.
func sliceStatus(o *sli.Objective, v *window.Slices, sw *sliceWindows, st *Status, now time.Time) (func(int, time.Duration) (counts, string), counts) {
	w := v.Width()
	sw.lens, sw.cnts = sw.lens[:0], sw.cnts[:0]
	sw.v, sw.w, sw.endNs, sw.end = v, w, now.UnixNano(), window.FloorDiv(now.UnixNano(), w)

	n := int64(st.PeriodEnd.Sub(st.PeriodStart)) / w
	pcs := v.Count(window.FloorDiv(st.PeriodStart.UnixNano(), w), sw.end)
	t := tallyOf(o, pcs)
	b := &SliceBudget{
		Width:   time.Duration(w),
		Period:  n,
		Allowed: float64(budgetPPB(o.Target)) * float64(n) / ppb,
		Spent:   float64(t.spentUnits) / window.SliceUnit,
		Good:    t.good,
		Bad:     t.bad,
		Empty:   pcs.Empty,
	}
	if o.Budgeting == sli.RatioTimeslices {
		b.Bad = pcs.Bad
		b.Good = t.counted - pcs.Bad
		if o.EmptySlices == sli.EmptyBad {
			b.Bad += pcs.Empty
			b.Good -= pcs.Empty
		}
	}
	st.Slices = b
	st.SLI = Float{}
	switch {
	case t.counted == 0:
	case o.Budgeting == sli.RatioTimeslices:
		st.SLI = some(1 - float64(t.spentUnits)/float64(t.counted*window.SliceUnit))
	default:
		st.SLI = some(float64(t.good) / float64(t.counted))
	}
	st.Consumed, st.Remaining = Float{}, Float{}
	if b.Allowed > 0 {
		st.Consumed = some(b.Spent / b.Allowed)
		st.Remaining = some(1 - b.Spent/b.Allowed)
	}
	win := func(_ int, d time.Duration) (counts, string) {
		return tallyOf(o, sw.get(d)).counts(o), ""
	}
	return win, counts{good: b.Good, bad: b.Bad}
}

// sliceAlertLocked applies the low-traffic guards of a time-slice
// objective to a, which r.evaluate computed from slice counts: a window
// qualifies when it holds at least as many counted slices (closed, not
// skipped) as the rule's minimum events, or half the slices the window
// spans (rounded up) when that is fewer. Events per slice do not matter: a
// slice is a verdict over time, and a service with one request a minute
// pages on its bad minutes as a busy one does.
func (s *Series) sliceAlertLocked(r AlertRule, a Alert) Alert {
	return sliceAlert(s.obj, &s.slc.last, r, a)
}

func sliceAlert(o *sli.Objective, sw *sliceWindows, r AlertRule, a Alert) Alert {
	lt, st := tallyOf(o, sw.get(r.LongWindow)), tallyOf(o, sw.get(r.ShortWindow))
	a.LongEvents, a.ShortEvents = lt.counted, st.counted
	a.Firing = lt.counted >= sliceGuard(r.minLong(), r.LongWindow, sw.w) &&
		st.counted >= sliceGuard(r.minShort(), r.ShortWindow, sw.w) &&
		exceeds(a.LongBurn, a.Threshold) && exceeds(a.ShortBurn, a.Threshold)
	return a
}

// sliceGuard is the fewest counted slices a window of length d needs for a
// rule whose event minimum is min.
func sliceGuard(minimum int64, d time.Duration, w int64) int64 {
	return max(1, min(minimum, (int64(d)/w+1)/2))
}

// sliceFinishLocked ends the status of a time-slice objective: the burn
// rates' Good and Bad count the windows' good and bad slices (for ratio
// slices, those with and without a bad event), and the exhaustion ETA
// reads the fixed budget (so a calendar month's too).
func (s *Series) sliceFinishLocked(st *Status, burn1h Float) {
	sliceFinish(s.obj, &s.slc.last, st, burn1h)
}

func sliceFinish(o *sli.Objective, sw *sliceWindows, st *Status, burn1h Float) {
	for i := range st.BurnRates {
		br := &st.BurnRates[i]
		if br.Window == "period" {
			br.Good, br.Bad = st.Slices.Good, st.Slices.Bad
			continue
		}
		t := tallyOf(o, sw.get(br.Duration))
		br.Good, br.Bad = t.good, t.bad
		if o.Budgeting == sli.RatioTimeslices {
			c := sw.get(br.Duration)
			br.Bad = c.Bad
			if o.EmptySlices == sli.EmptyBad {
				br.Bad += c.Empty
			}
			br.Good = t.counted - br.Bad
		}
	}
	st.ExhaustionETA = time.Time{}
	period := st.PeriodEnd.Sub(st.PeriodStart)
	if eta, ok := ExhaustionETA(st.Time, st.Remaining, burn1h, period); ok && (!o.Window.IsCalendar() || eta.Before(st.PeriodEnd)) {
		st.ExhaustionETA = eta
	}
}
