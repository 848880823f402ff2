package budget

import (
	"math"
	"time"
)

// BurnDown is how the error budget of the current period was spent: the
// budget remaining at evenly spaced instants from the start of the period to
// now, as a burn-down chart draws it.
//
// The budget is the period's occurrences-based budget as Status reports it:
// the bad events that the target allows among the events of the period so
// far, (1 − target) × (good + bad). A point's Remaining is 1 minus the bad
// events from Start to the point's Time over that budget, so the curve starts
// at 1, only falls, and ends at exactly Status.Remaining. Spending the budget
// evenly (a steady burn rate of 1) draws the straight line from 1 at Start to
// 0 at End; a curve above that line spends slower than the period allows, and
// a cliff is an incident.
type BurnDown struct {
	// Objective and Group name the series.
	Objective, Group string
	// Start is the start of the period; End is now (a rolling period ends
	// now, a calendar one is drawn month to date).
	Start, End time.Time
	// Good and Bad count the period's events, as Status does.
	Good, Bad int64
	// Points run from Start (remaining 1) to End (remaining
	// Status.Remaining). All are invalid without events in the period.
	Points []BurnDownPoint
}

// BurnDownPoint is the budget remaining at one instant of a BurnDown.
type BurnDownPoint struct {
	Time time.Time
	// Bad counts the bad events from the start of the period to Time.
	Bad int64
	// Remaining is the fraction of the period's budget left at Time;
	// negative once overspent, invalid without events in the period.
	Remaining Float
}

// maxBurnDownPoints caps the intervals of a burn-down: more than a screen
// can show buys nothing.
const maxBurnDownPoints = 10_000

// BurnDownAt returns the burn-down of the series' period at now, sampled at
// n+1 instants (n intervals, from 1 to 10,000). The counts come from the tier of
// buckets that serves the period in Status (the coarse tier for long
// periods), so each point is exact to within one bucket width.
//
// It takes the series' mutex for one pass over the tier; it never runs on the
// recording path.
func (s *Series) BurnDownAt(now time.Time, n int) BurnDown {
	n = min(max(n, 1), maxBurnDownPoints)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(now)
	o := s.obj
	start, periodEnd := o.Window.Bounds(now, s.slo.loc)
	end := now
	if periodEnd.Before(end) {
		end = periodEnd
	}
	bd := BurnDown{Objective: o.Name, Group: s.group, Start: start, End: end}

	// The tier and the bucket range Status sums for the period.
	var t *tier
	var from, to int64
	if o.Window.IsCalendar() {
		t = &s.ring.tiers[2]
		from, to = floorDiv(start.UnixNano(), t.width), floorDiv(now.UnixNano(), t.width)
	} else {
		period := periodEnd.Sub(start)
		for i := range s.ring.tiers {
			t = &s.ring.tiers[i]
			if int64(period) <= t.span()-2*t.width || i == len(s.ring.tiers)-1 {
				break
			}
		}
		from, to = floorDiv(now.UnixNano()-int64(period), t.width), floorDiv(now.UnixNano(), t.width)
	}
	if to-from >= int64(len(t.epoch)) {
		from = to - int64(len(t.epoch)) + 1
	}

	// One pass: per-bucket bad counts, accumulated into the point whose
	// interval holds the bucket.
	cumBad := make([]int64, n+1)
	span := end.Sub(start)
	for b := from; b <= to; b++ {
		i := t.slot(b)
		if t.epoch[i] != b {
			continue
		}
		bd.Good += t.good[i]
		bd.Bad += t.bad[i]
		if t.bad[i] == 0 {
			continue
		}
		// The bucket's bad events count from the first point at or after
		// the bucket's end (the last point holds everything).
		k := n
		if span > 0 {
			bEnd := time.Unix(0, (b+1)*t.width)
			k = int(math.Ceil(float64(bEnd.Sub(start)) * float64(n) / float64(span)))
			k = min(max(k, 0), n)
		}
		cumBad[k] += t.bad[i]
	}
	bd.Points = make([]BurnDownPoint, n+1)
	var acc int64
	for k := 0; k <= n; k++ {
		acc += cumBad[k]
		// acc of the period's good+bad events were bad by Time: that spends
		// acc / ((1 − target) × total) of the budget, which is the burn rate
		// of (total − acc) good and acc bad events.
		bd.Points[k] = BurnDownPoint{
			Time:      start.Add(time.Duration(float64(span) * float64(k) / float64(n))),
			Bad:       acc,
			Remaining: Remaining(bd.Good+bd.Bad-acc, acc, o.Target),
		}
	}
	return bd
}

// BurnDownsAt returns the burn-down of every series at now, in the order of
// StatusAt, each sampled at n+1 instants. Unlike StatusAt it detects no
// transitions.
func (t *Tracker) BurnDownsAt(now time.Time, n int) []BurnDown {
	var out []BurnDown
	for _, slo := range t.slos {
		for _, s := range slo.AllSeries() {
			out = append(out, s.BurnDownAt(now, n))
		}
	}
	return out
}
