package budget

import (
	"sync"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// overallSlices are the verdicts of a grouped time-slice objective as a
// whole (Datadog's rule): a slice is bad when any group's is, empty when
// every group's is (or the group had not started), good otherwise. Under
// EmptyBad a group's empty slice is bad, so it makes the overall slice
// bad; under EmptySkipped it does not count. A ratio slice spends the
// largest share any group's does.
type overallSlices struct {
	mu     sync.Mutex
	v      *window.Slices
	last   sliceWindows
	alerts []alertState // for Alert.Since; the overall entry sends no transitions
}

// sliceOverall inserts, before the groups' statuses out[first:] of a
// grouped time-slice objective, its overall entry (Status.Overall), and
// leaves the gate to it: the groups' statuses no longer freeze releases.
// It changes nothing for other objectives.
func (slo *SLO) sliceOverall(out []Status, first int, now time.Time, burnDown int) []Status {
	o := &slo.decl
	if !o.Budgeting.IsTimeslices() || o.GroupBy == "" || first == len(out) {
		return out
	}
	ov := &slo.overall
	ov.mu.Lock()
	defer ov.mu.Unlock()
	groups := slo.AllSeries()
	w := int64(o.Slice())
	if ov.v == nil {
		start := window.FloorDiv(now.UnixNano(), w)
		for _, s := range groups {
			s.mu.Lock()
			if s.slc.v != nil {
				start = min(start, s.slc.v.First())
			}
			s.mu.Unlock()
		}
		ov.v = window.NewSlices(w, int(groups[0].ring.Tier(2).Len()), start, o.Budgeting == sli.RatioTimeslices)
		ov.alerts = make([]alertState, len(slo.tr.rules))
	}
	ov.decide(o, groups)

	st := Status{Objective: *o, Time: now, Overall: true, PeriodStart: out[first].PeriodStart, PeriodEnd: out[first].PeriodEnd}
	for i := first; i < len(out); i++ {
		g := &out[i]
		st.Good, st.Bad = window.AddCount(st.Good, g.Good), window.AddCount(st.Bad, g.Bad)
		st.LifetimeExcluded = window.AddCount(st.LifetimeExcluded, g.LifetimeExcluded)
		st.Overflow = g.Overflow
		st.Corrections = g.Corrections
		g.ReleaseAllowed = true // the overall entry decides for the objective
	}
	win, pc := sliceStatus(o, ov.v, &ov.last, &st, now)
	period := st.PeriodEnd.Sub(st.PeriodStart)
	var burn1h Float
	for i, sw := range standardWindows {
		c, _ := win(stdKey(i), sw.Duration)
		br := WindowBurn{Window: sw.Name, Duration: sw.Duration, Rate: BurnRate(c.good, c.bad, o.Target)}
		if sw.Duration == time.Hour {
			burn1h = br.Rate
		}
		st.BurnRates = append(st.BurnRates, br)
	}
	st.BurnRates = append(st.BurnRates, WindowBurn{Window: "period", Duration: period, Rate: st.Consumed})
	paging := false
	st.Alerts = make([]Alert, len(slo.tr.rules))
	for i, r := range slo.tr.rules {
		long, _ := win(0, r.LongWindow)
		short, _ := win(0, r.ShortWindow)
		a := sliceAlert(o, &ov.last, r, r.evaluate(long, short, o.Target, period))
		as := &ov.alerts[i]
		if a.Firing {
			if !as.firing || as.since.After(now) {
				as.firing, as.since = true, now
			}
			a.Since = as.since
			if r.Severity == Page {
				paging = true
			}
		} else {
			as.firing, as.since = false, time.Time{}
		}
		st.Alerts[i] = a
	}
	tr := slo.tr
	st.PolicyState, st.PolicyReason = tr.policy.Explain(pc.total(), st.Remaining, paging)
	st.PolicyMinEvents = tr.policy.minEvents()
	st.ReleaseAllowed = st.PolicyState != Exhausted || o.Advisory
	sliceFinish(o, &ov.last, &st, burn1h)
	if burnDown > 0 {
		st.BurnDown = sliceBurnDown(o, ov.v, st.PeriodStart, st.PeriodEnd, now, burnDown) // slice_burndown.go
	}

	out = append(out, Status{})
	copy(out[first+1:], out[first:])
	out[first] = st
	return out
}

// decide decides the overall slices every group has decided, from the
// groups' recent verdicts; a slice older than a group keeps one by one
// counts as good for that group.
func (ov *overallSlices) decide(o *sli.Objective, groups []*Series) {
	from := ov.v.Next()
	upTo := int64(-1 << 62)
	started := 0
	for _, s := range groups {
		s.mu.Lock()
		if v := s.slc.v; v != nil {
			if started == 0 || v.Next() < upTo {
				upTo = v.Next()
			}
			started++
		}
		s.mu.Unlock()
	}
	if started == 0 || upTo <= from {
		return
	}
	if upTo-from > ov.v.Span() {
		ov.v.Restart(upTo - ov.v.Span())
		from = ov.v.Next()
	}
	n := int(upTo - from)
	bad := make([]bool, n)
	empty := make([]bool, n)
	for k := range empty {
		empty[k] = true
	}
	var spent []uint32
	if o.Budgeting == sli.RatioTimeslices {
		spent = make([]uint32, n)
	}
	for _, s := range groups {
		s.mu.Lock()
		if v := s.slc.v; v != nil {
			for k := range n {
				i := from + int64(k)
				if i < v.First() {
					continue // the group had not started: as empty
				}
				vd, sp, ok := v.Verdict(i)
				if !ok {
					empty[k] = false // no longer kept one by one: good
					continue
				}
				switch {
				case vd == window.SliceBad:
					bad[k], empty[k] = true, false
				case vd == window.SliceEmpty && o.EmptySlices == sli.EmptyBad:
					bad[k], empty[k] = true, false
					sp = window.SliceUnit
				case vd == window.SliceGood:
					empty[k] = false
				}
				if spent != nil {
					spent[k] = max(spent[k], sp)
				}
			}
		}
		s.mu.Unlock()
	}
	for k := range n {
		vd := window.SliceGood
		switch {
		case bad[k]:
			vd = window.SliceBad
		case empty[k]:
			vd = window.SliceEmpty
		}
		var sp uint32
		if spent != nil && vd != window.SliceEmpty {
			sp = spent[k]
		}
		ov.v.Decide(from+int64(k), vd, sp)
	}
}
