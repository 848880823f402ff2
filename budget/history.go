package budget

import (
	"math"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// BurnDown is how the error budget of the current period was spent: the
// budget remaining at evenly spaced instants up to now, as a burn-down chart
// draws it.
//
// The budget is the period's occurrences-based budget as Status reports it:
// the bad events that the target allows among the events of the period so
// far, (1 − target) × (good + bad). A point's Remaining is 1 minus the bad
// events from Start to the point's Time over that budget, so the curve starts
// at 1, only falls, and ends at exactly Status.Remaining. Spending the budget
// evenly (a steady burn rate of 1) draws the straight line from 1 at Start to
// 0 at End; a curve above that line spends slower than that, and a cliff is
// an incident.
//
// Start is the start of the period, unless the series holds no events that
// early (a process that started an hour ago, without restored state): then
// Start is where its events begin, to the width of the finest bucket tier
// that reaches back that far, and the points are spread over that span
// rather than drawn flat for most of the period.
type BurnDown struct {
	// PeriodStart is the start of the SLO period (Status.PeriodStart).
	PeriodStart time.Time
	// Start is the first instant drawn: PeriodStart, or later when the
	// events begin later. End is now (a rolling period ends now, a calendar
	// one is drawn month to date).
	Start, End time.Time
	// Points run from Start (remaining 1) to End (remaining
	// Status.Remaining). All are invalid without events in the period.
	Points []BurnDownPoint
}

// BurnDownPoint is the budget remaining at one instant of a BurnDown.
type BurnDownPoint struct {
	Time time.Time
	// Bad counts the bad events from Start to Time.
	Bad int64
	// Remaining is the fraction of the period's budget left at Time;
	// negative once overspent, invalid without events in the period.
	Remaining Float
}

// maxBurnDownPoints caps the intervals of a burn-down: more than a screen
// can show buys nothing.
const maxBurnDownPoints = 10_000

// burnDownLocked returns the burn-down of the series' period at now,
// sampled at n+1 instants (n intervals, from 1 to 10,000), with s.mu held and
// the stripes flushed (statusLocked). The counts come from the bucket tiers
// (coarse for the whole period, finer when the events begin recently), so
// each point is exact to within one bucket width. It makes a pass or two
// over a tier, under the lock; it never runs on the recording path.
func (s *Series) burnDownLocked(now time.Time, n int) BurnDown {
	if s.slc != nil && s.slc.v != nil {
		return s.sliceBurnDownLocked(now, n) // slice_burndown.go: the budget fixed in time
	}
	n = min(max(n, 1), maxBurnDownPoints)
	o := s.obj
	start, periodEnd := o.Window.Bounds(now, s.slo.loc)
	end := now
	if periodEnd.Before(end) {
		end = periodEnd
	}
	bd := BurnDown{PeriodStart: start, Start: start, End: end}
	endNS := now.UnixNano()

	// The tier and the first bucket Status sums for the period.
	t := s.ring.Tier(2)
	from, to := window.FloorDiv(start.UnixNano(), t.Width()), window.FloorDiv(endNS, t.Width())
	if !o.Window.IsCalendar() {
		t, from, to = s.ring.TierFor(endNS-int64(periodEnd.Sub(start)), endNS)
	}
	from = max(from, to-t.Len()+1)

	// Draw from where the events begin when that is after the period's
	// start, and read the span drawn from the finest tier that holds it:
	// a process that started an hour ago, or a calendar month two hours
	// old, is drawn in 10-second buckets rather than one 15-minute one.
	startNS := start.UnixNano()
	first, ok := t.FirstBucket(from, to)
	zoom := ok && first > from
	if zoom {
		startNS = max(startNS, first*t.Width())
	}
	for i := range 3 {
		ft := s.ring.Tier(i)
		if ft == t || ft.Width() > t.Width() {
			break
		}
		ff, ft2 := window.FloorDiv(startNS, ft.Width()), window.FloorDiv(endNS, ft.Width())
		if !ft.Serves(ff, ft2) {
			continue
		}
		t, from, to = ft, ff, ft2
		break
	}
	if zoom {
		if f, ok := t.FirstBucket(from, to); ok {
			from = f
		}
		bd.Start = time.Unix(0, max(startNS, from*t.Width())).In(start.Location())
	}

	// One pass: per-bucket bad counts, accumulated into the point whose
	// interval holds the bucket's end.
	var good, bad int64
	cumBad := make([]int64, n+1)
	span := end.Sub(bd.Start)
	for b := from; b <= to; b++ {
		c, ok := t.Bucket(b)
		if !ok {
			continue
		}
		good = window.AddCount(good, c.Good)
		bad = window.AddCount(bad, c.Bad)
		if c.Bad == 0 {
			continue
		}
		k := n
		if span > 0 {
			bEnd := time.Unix(0, (b+1)*t.Width())
			k = int(math.Ceil(float64(bEnd.Sub(bd.Start)) * float64(n) / float64(span)))
			k = min(max(k, 0), n)
		}
		cumBad[k] = window.AddCount(cumBad[k], c.Bad)
	}
	bd.Points = make([]BurnDownPoint, n+1)
	var acc int64
	for k := 0; k <= n; k++ {
		acc = window.AddCount(acc, cumBad[k])
		// acc of the period's good+bad events were bad by Time: that spends
		// acc / ((1 − target) × total) of the budget, which is the burn rate
		// of (total − acc) good and acc bad events.
		bd.Points[k] = BurnDownPoint{
			Time:      bd.Start.Add(time.Duration(float64(span) * float64(k) / float64(n))),
			Bad:       acc,
			Remaining: Remaining(good+bad-acc, acc, o.Target),
		}
	}
	return bd
}

// BurnDownOf returns the burn-down of the series st is a status of, at
// st.Time, sampled at points+1 instants (points from 1 to 10,000), and
// false when the tracker holds no such series. A reader that ranks the
// statuses first, as a dashboard drawing only the worst groups' charts
// does, draws only the curves it shows; WithBurnDown draws every series'
// with its status.
//
// The curve ends at exactly st.Remaining, as WithBurnDown's does: it is
// drawn against st's period counts, and events recorded after st was
// computed (which can only land in the buckets at its end) are left out,
// each point's Bad being at most st.Bad. It takes the series' mutex as
// StatusAt does, one series only.
func (t *Tracker) BurnDownOf(st *Status, points int) (BurnDown, bool) {
	slo := t.byName[st.Objective.Name]
	if slo == nil {
		return BurnDown{}, false
	}
	if st.Overall { // a grouped time-slice objective's overall entry (slice_group.go)
		ov := &slo.overall
		ov.mu.Lock()
		defer ov.mu.Unlock()
		if ov.v == nil {
			return BurnDown{}, false
		}
		return sliceBurnDown(&slo.decl, ov.v, st.PeriodStart, st.PeriodEnd, st.Time, points), true
	}
	s := slo.lookup(st.Group)
	if s == nil {
		return BurnDown{}, false
	}
	now := st.Time
	clock, sb := t.lockSeries(s, now)
	if sb.series {
		s.followClockLocked(clock)
	}
	s.advanceLocked(now, clock)
	bd := s.burnDownLocked(now, points)
	s.mu.Unlock()
	if st.Slices != nil {
		return bd, true // drawn in slices, from verdicts already closed (slice_burndown.go)
	}
	for i := range bd.Points {
		p := &bd.Points[i]
		p.Bad = min(p.Bad, st.Bad)
		p.Remaining = Remaining(st.Good+st.Bad-p.Bad, p.Bad, st.Objective.Target)
	}
	return bd, true
}

// lookup returns the series of a group value without creating it (SLO.Series
// would): nil when the objective has no such group.
func (s *SLO) lookup(group string) *Series {
	if s.single != nil {
		return s.single
	}
	if x, ok := s.groups.get(group); ok {
		return x
	}
	s.groups.mu.Lock()
	defer s.groups.mu.Unlock()
	if group == sli.OverflowGroup {
		return s.overflow
	}
	return nil
}
