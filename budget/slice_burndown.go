package budget

import (
	"math"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// sliceBurnDown is the BurnDown of a time-slice objective (a series, or a
// grouped objective's overall entry): the budget is fixed in time,
// (1 − target) × the period's slices, and a point's Remaining is 1 − the
// budget spent by the slices closed by its Time over it, so the curve ends
// where Status.Remaining does. Start is the period's start, or the first
// slice v decided when that is later. Bad counts bad slices.
//
// It reads v once per 15-minute bucket of the span and once per slice of
// the slices v keeps one by one: a pass over the coarse tier, as
// burnDownLocked makes for events. The span's start edge is counted as
// Status counts it (whole buckets from the first that starts at or after
// it, older than the slices kept one by one).
func sliceBurnDown(o *sli.Objective, v *window.Slices, start, periodEnd, now time.Time, n int) BurnDown {
	n = min(max(n, 1), maxBurnDownPoints)
	end := now
	if periodEnd.Before(end) {
		end = periodEnd
	}
	bd := BurnDown{PeriodStart: start, Start: start, End: end}
	w := v.Width()
	per := window.CoarseWidth / w
	from, to := window.FloorDiv(start.UnixNano(), w), min(window.FloorDiv(now.UnixNano(), w), v.Next())
	if f := v.First(); f > from {
		from = f
		bd.Start = time.Unix(0, f*w).In(start.Location())
	}
	allowed := float64(budgetPPB(o.Target)) * float64(int64(periodEnd.Sub(start))/w) / ppb
	span := end.Sub(bd.Start)
	cumBad := make([]int64, n+1)
	cumSpent := make([]int64, n+1)
	lo := v.Next() - int64(window.RecentSlices(w)) // older slices are counted per bucket
	i := from
	if i < lo && i%per != 0 {
		i = (window.FloorDiv(i, per) + 1) * per // Count starts at the first whole bucket
	}
	for i < to {
		j := i + 1
		if i < lo {
			j = min((window.FloorDiv(i, per)+1)*per, to)
		}
		t := tallyOf(o, v.Count(i, j))
		if t.bad != 0 || t.spentUnits != 0 {
			k := n
			if span > 0 {
				k = int(math.Ceil(float64(time.Unix(0, j*w).Sub(bd.Start)) * float64(n) / float64(span)))
				k = min(max(k, 0), n)
			}
			cumBad[k] += t.bad
			cumSpent[k] += t.spentUnits
		}
		i = j
	}
	bd.Points = make([]BurnDownPoint, n+1)
	var bad, spent int64
	for k := 0; k <= n; k++ {
		bad += cumBad[k]
		spent += cumSpent[k]
		p := BurnDownPoint{Time: bd.Start.Add(time.Duration(float64(span) * float64(k) / float64(n))), Bad: bad}
		if allowed > 0 {
			p.Remaining = some(1 - float64(spent)/window.SliceUnit/allowed)
		}
		bd.Points[k] = p
	}
	return bd
}

// sliceBurnDownLocked is burnDownLocked for a time-slice series, with s.mu
// held and its slices decided (statusLocked).
func (s *Series) sliceBurnDownLocked(now time.Time, n int) BurnDown {
	start, periodEnd := s.obj.Window.Bounds(now, s.slo.loc)
	return sliceBurnDown(s.obj, s.slc.v, start, periodEnd, now, n)
}
