package budget

import "time"

// StatusOption asks Status and StatusAt for more than the status itself.
type StatusOption struct{ burnDown int }

// WithBurnDown fills each Status's BurnDown, sampled at points+1 instants
// (points from 1 to 10,000), from the counts the status was computed from,
// so that the curve ends at exactly Status.Remaining.
func WithBurnDown(points int) StatusOption { return StatusOption{burnDown: max(points, 1)} }

// Status returns the status of every series at the tracker's clock.
func (t *Tracker) Status(opts ...StatusOption) []Status { return t.StatusAt(t.now(), opts...) }

// StatusAt returns the status of every series at now, objectives in
// declaration order and groups in the order they appeared. When now is the
// clock's reading (Status) it also detects the transitions since the last
// evaluation and delivers them before it returns, unless a concurrent status
// is bringing or delivering an earlier one: that goroutine delivers them. A
// status asked for an earlier or a later instant describes it and changes no
// alert or policy state.
//
// How far back it is exact: each window is read from the finest bucket tier
// that still holds each part of it, 10-second buckets for the last 6.4
// hours, 5-minute ones for the last 76 hours, 15-minute ones for the
// objective's period (at least 3 days) and 45 minutes more. A window's start
// edge reaches back less than one bucket of the tier holding it too far (as
// at the clock's reading); for an instant more than a second before the
// clock's reading its end edge stops at the start of the bucket holding the
// instant, less than one bucket of the tier holding it short, because that
// bucket also holds what came after the instant. A window whose start no
// tier holds any more is not held: its WindowBurn.NotHeld says so, its
// counts are zero and its rate invalid, and so are the period's figures
// (SLI, budget) when the period is not held; never a silent zero.
func (t *Tracker) StatusAt(now time.Time, opts ...StatusOption) []Status {
	burnDown := 0
	for _, o := range opts {
		burnDown = max(burnDown, o.burnDown)
	}
	all := make([][]*Series, len(t.slos))
	n := 0
	for i, slo := range t.slos {
		all[i] = slo.AllSeries()
		n += len(all[i])
	}
	out := make([]Status, 0, n)
	buf := t.newStatusBuf(n)
	var trs []numbered
	defer func() { t.deliver(trs) }()
	for i := range t.slos {
		first := len(out)
		for _, s := range all[i] {
			clock, stepBack := t.lockSeries(s, now)
			var st Status
			st, trs = s.statusLocked(now, clock, stepBack, trs, &buf)
			if burnDown > 0 {
				st.BurnDown = s.burnDownLocked(now, burnDown)
			}
			s.mu.Unlock()
			if t.afterSeries != nil {
				t.afterSeries(s)
			}
			out = append(out, st)
		}
		overflow(out[first:])
		out = t.slos[i].sliceOverall(out, first, now, burnDown) // slice_group.go: time-slice objectives only
	}
	return out
}
