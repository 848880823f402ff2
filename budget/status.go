package budget

import (
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// standardWindows are the windows whose burn rates every status reports,
// with the names the endpoint uses; the period follows them as "period".
var standardWindows = [...]struct {
	Name     string
	Duration time.Duration
}{
	{"5m", 5 * time.Minute},
	{"30m", 30 * time.Minute},
	{"1h", time.Hour},
	{"2h", 2 * time.Hour},
	{"6h", 6 * time.Hour},
	{"1d", 24 * time.Hour},
	{"3d", 72 * time.Hour},
}

// WindowBurn is the burn rate over one window.
type WindowBurn struct {
	// Window is the name: "5m" … "3d", or "period".
	Window string
	// Duration is the window's length (the period's length for "period").
	Duration time.Duration
	// Good and Bad count the window's events.
	Good, Bad int64
	// Rate is the burn rate; invalid without events.
	Rate Float
	// NotHeld is empty when the counts are the window's; otherwise it says
	// why the tracker cannot answer for it (a status of an instant so far
	// back that its buckets have left the ring: see Tracker.StatusAt), and
	// Good, Bad are zero and Rate is invalid.
	NotHeld string
}

// notHeld is WindowBurn.NotHeld for a window whose start has left the ring.
const notHeld = "not held: the window starts before the oldest bucket kept (10-second buckets for 6.4 h, 5-minute ones for 76 h, 15-minute ones for the objective's period, at least 3 days)"

// Status is the state of one objective (or one group of a grouped
// objective) at one instant. Every figure is computed from exact counts.
type Status struct {
	// Objective is the declaration.
	Objective sli.Objective
	// Group is the group value of a grouped objective (Objective.GroupBy
	// names its label); empty otherwise.
	Group string
	// Time is the instant the status describes.
	Time time.Time
	// PeriodStart and PeriodEnd bound the SLO period: [now − window, now]
	// for a rolling window, the calendar month for a calendar one.
	PeriodStart, PeriodEnd time.Time
	// Good and Bad count the events of the period so far.
	Good, Bad int64
	// LifetimeExcluded counts the excluded events over the series' lifetime
	// (restored state included), not the period's.
	LifetimeExcluded int64
	// SLI is Good / (Good + Bad); invalid without events.
	SLI Float
	// Consumed and Remaining are fractions of the period's error budget.
	// Remaining goes negative when the budget is overspent.
	Consumed, Remaining Float
	// BurnRates are the burn rates over 5m, 30m, 1h, 2h, 6h, 1d and 3d,
	// then the period ("period", whose Rate is Consumed).
	BurnRates []WindowBurn
	// Alerts are the alert rules' states, in the tracker's rule order.
	Alerts []Alert
	// PolicyState is where the objective stands under the tracker's Policy,
	// PolicyReason why.
	PolicyState  PolicyState
	PolicyReason PolicyReason
	// PolicyMinEvents is the fewest events in the period the policy judges
	// (Policy.MinEvents or its default): with fewer, Policy is Healthy for
	// ReasonInsufficientEvents.
	PolicyMinEvents int64
	// ReleaseAllowed is false when this objective freezes releases: its
	// budget is exhausted and it is not advisory.
	ReleaseAllowed bool
	// ExhaustionETA is when the budget runs out at the current 1h burn rate
	// (ExhaustionETA; for a calendar window, with traffic as steady as over the month so far); zero
	// when it will not (burn ≤ 1, no budget left, no data, or not within a
	// calendar month).
	ExhaustionETA time.Time
	// Latency summarises recent latencies for latency kinds; zero otherwise.
	Latency Latency
	// Overflow counts the events of the period (Good + Bad) that a grouped
	// objective counted in its sli.OverflowGroup group (see Resolver), on
	// every group's status; zero for an ungrouped objective.
	Overflow int64
	// BurnDown is how the period's budget was spent, when StatusAt was
	// asked for it (WithBurnDown); zero otherwise.
	BurnDown BurnDown
	// Corrections are the corrections that overlap the period, and the
	// next one to come, sorted by Start. A recurring correction appears as
	// occurrences, each with its own Start and End: its last three within
	// the period (the current one among them) and its next one.
	Corrections []Correction
	// Slices is the budget counted in slices of time, for a time-slice
	// objective (sli.Timeslices, sli.RatioTimeslices); nil for an
	// occurrence objective.
	Slices *SliceBudget
	// Overall marks the entry of a grouped time-slice objective that
	// stands for all its groups (Group is empty), placed before them: a
	// slice is bad there when any group's is. Its burn rates and alerts
	// count those slices, its Good and Bad sum the groups' events, and it
	// alone freezes releases for the objective (the groups' ReleaseAllowed
	// stay true). It sends no transitions: its groups do.
	Overall bool
}

// Total returns Good + Bad.
func (st *Status) Total() int64 { return st.Good + st.Bad }

// BurnRateOf returns the burn rate over the named window ("1h", "period").
func (st *Status) BurnRateOf(window string) Float {
	for _, b := range st.BurnRates {
		if b.Window == window {
			return b.Rate
		}
	}
	return Float{}
}

// Firing returns the alerts that fire.
func (st *Status) Firing() []Alert {
	var out []Alert
	for _, a := range st.Alerts {
		if a.Firing {
			out = append(out, a)
		}
	}
	return out
}

// statusLocked computes the status at now, with clock and stepBack as
// lockSeries returned them. When now is the clock's reading it updates the
// alert and policy state, appending the transitions it sees to trs, each
// numbered in the order of detection (deliver keeps that order).
func (s *Series) statusLocked(now, clock time.Time, stepBack stepBack, trs []numbered, buf *statusBuf) (Status, []numbered) {
	if stepBack.series {
		s.followClockLocked(clock)
	}
	s.advanceLocked(now, clock)
	o := s.obj
	end := now.UnixNano()
	st := Status{Objective: *o, Group: s.group, Time: now, LifetimeExcluded: s.excAll}
	st.PeriodStart, st.PeriodEnd = o.Window.Bounds(now, s.slo.loc)
	period := st.PeriodEnd.Sub(st.PeriodStart)

	// A status of an earlier instant leaves out the counts after it
	// (ring.span), and walks the buckets; one at the clock's reading reads
	// the running sums kept for each of its windows (windowKey).
	past := now.Before(clock.Add(-clockSkew))
	win := func(key int, d time.Duration) (counts, string) {
		var c window.Counts
		var held bool
		if past {
			c, held = s.ring.Span(end-int64(d), end, true)
		} else {
			c, held = s.ring.SpanKept(key, end-int64(d), end)
		}
		if !held {
			return countsOf(c), notHeld
		}
		return countsOf(c), ""
	}
	pd := period
	if o.Window.IsCalendar() {
		pd = now.Sub(st.PeriodStart) // the month so far
	}
	pc, pcNotHeld := win(periodKey, pd)
	st.Good, st.Bad = pc.good, pc.bad
	st.SLI = SLI(pc.good, pc.bad)
	st.Consumed = BurnRate(pc.good, pc.bad, o.Target) // over the period: the budget consumed
	st.Remaining = Remaining(pc.good, pc.bad, o.Target)
	if s.slc != nil {
		win, pc = s.sliceStatusLocked(&st, now, clock) // slice_status.go: the windows count slices
	}

	st.BurnRates = buf.burnRates()
	var burn1h Float
	var std [len(standardWindows)]counts
	for i, w := range standardWindows {
		c, nh := win(stdKey(i), w.Duration)
		std[i] = c
		br := WindowBurn{Window: w.Name, Duration: w.Duration, Good: c.good, Bad: c.bad, Rate: BurnRate(c.good, c.bad, o.Target), NotHeld: nh}
		if w.Duration == time.Hour {
			burn1h = br.Rate
		}
		st.BurnRates = append(st.BurnRates, br)
	}
	st.BurnRates = append(st.BurnRates, WindowBurn{Window: "period", Duration: period, Good: pc.good, Bad: pc.bad, Rate: st.Consumed, NotHeld: pcNotHeld})

	paging := false
	advance := s.evaluates(now, clock, stepBack.eval)
	if advance {
		s.evalAt = now
	}
	st.Alerts = buf.alerts(len(s.tr.rules))
	for i, r := range s.tr.rules {
		rw := func(d time.Duration, key int) counts {
			for j, w := range standardWindows {
				if w.Duration == d {
					return std[j] // the default rules' windows are the standard ones
				}
			}
			c, _ := win(key, d) // not held: no counts, no burn rate, not firing
			return c
		}
		a := r.evaluate(rw(r.LongWindow, ruleKey(i, 0)), rw(r.ShortWindow, ruleKey(i, 1)), o.Target, period)
		if s.slc != nil {
			a = s.sliceAlertLocked(r, a)
		}
		as := &s.alerts[i]
		if advance && as.firing && as.since.After(now) {
			as.since = now // the clock stepped back: it fires since the clock's reading
		}
		if advance && a.Firing != as.firing {
			as.firing = a.Firing
			kind := AlertResolved
			if a.Firing {
				as.since = now
				kind = AlertFired
			} else {
				as.since = time.Time{}
			}
			trs = append(trs, numbered{seq: s.tr.seq.Add(1), tr: Transition{Kind: kind, Time: now, Objective: o.Name, Group: s.group, Alert: a}})
		}
		if a.Firing {
			a.Since = as.since
			if !as.firing || as.since.After(now) {
				a.Since = now // an evaluation behind the latest one
			}
			if r.Severity == Page {
				paging = true
			}
		}
		st.Alerts[i] = a
	}

	st.PolicyState, st.PolicyReason = s.tr.policy.Explain(pc.total(), st.Remaining, paging)
	st.PolicyMinEvents = s.tr.policy.minEvents()
	if advance && st.PolicyState != s.policy {
		trs = append(trs, numbered{seq: s.tr.seq.Add(1), tr: Transition{Kind: PolicyChanged, Time: now, Objective: o.Name, Group: s.group, From: s.policy, To: st.PolicyState}})
		s.policy = st.PolicyState
	}
	st.ReleaseAllowed = st.PolicyState != Exhausted || o.Advisory

	if o.Window.IsCalendar() {
		// The month's budget is counted over the month so far: what the
		// steady burn does to that ratio, and only within the month.
		if eta, ok := calendarExhaustionETA(now, now.Sub(st.PeriodStart), st.Remaining, burn1h); ok && eta.Before(st.PeriodEnd) {
			st.ExhaustionETA = eta
		}
	} else if eta, ok := ExhaustionETA(now, st.Remaining, burn1h, period); ok {
		st.ExhaustionETA = eta
	}
	if s.slc != nil {
		s.sliceFinishLocked(&st, burn1h)
	}
	if s.latRng != nil {
		st.Latency = latencyOf(s.latRng.Summary(end))
	}
	st.Corrections = s.tr.correctionsFor(o.Name, st.PeriodStart, st.PeriodEnd)
	if advance {
		trs = s.observeLocked(now, &st, trs) // incident.go
	}
	return st, trs
}

// statusBuf holds the burn rates and alerts of every status of one
// StatusAt, allocated once for all of them rather than twice a series.
type statusBuf struct {
	burns []WindowBurn
	alert []Alert
}

// newStatusBuf returns the room for n statuses.
func (t *Tracker) newStatusBuf(n int) statusBuf {
	return statusBuf{make([]WindowBurn, 0, n*(len(standardWindows)+1)), make([]Alert, n*len(t.rules))}
}

// burnRates returns an empty slice with room for a status's burn rates,
// and no more: an append by the caller copies, and never reaches the next.
func (b *statusBuf) burnRates() []WindowBurn {
	k := len(standardWindows) + 1
	if cap(b.burns)-len(b.burns) < k {
		return make([]WindowBurn, 0, k)
	}
	out := b.burns[len(b.burns) : len(b.burns) : len(b.burns)+k]
	b.burns = b.burns[:len(b.burns)+k]
	return out
}

// alerts returns n zero alerts, capped at n.
func (b *statusBuf) alerts(n int) []Alert {
	if len(b.alert) < n {
		return make([]Alert, n)
	}
	out := b.alert[:n:n]
	b.alert = b.alert[n:]
	return out
}

// The keys of a series' running window sums (window.Ring.SpanKept): the
// period first, then the standard windows from the longest (a tier keeps
// sums up to the highest key it is asked for, and the coarser tiers serve
// only the long windows), then the rules' own windows.
const periodKey = 0

func stdKey(i int) int { return len(standardWindows) - i }

func ruleKey(rule, short int) int { return len(standardWindows) + 1 + 2*rule + short }

// clockSkew is how far before the clock's reading a status may be asked for
// and still count as the current one: the time between a caller reading the
// clock (the endpoint's cache, Run) and StatusAt reading it again.
const clockSkew = time.Second

// current reports whether a status at now, with clock the tracker's clock
// reading, is the status at the clock's reading: within clockSkew before it,
// or up to maxAhead after.
func current(now, clock time.Time) bool {
	return !now.Before(clock.Add(-clockSkew)) && !now.After(clock.Add(maxAhead))
}

// evaluates reports whether the status at now updates the alert and policy
// state, and so detects transitions. Only a current status does: one asked
// for another instant describes that instant and changes nothing. Among
// current ones, a status behind the latest evaluation is a concurrent reader
// that read the clock a little earlier, and changes nothing either, unless
// the clock stepped back behind that evaluation (stepBack, see lockSeries):
// then evaluation continues from the clock's reading.
func (s *Series) evaluates(now, clock time.Time, stepBack bool) bool {
	return current(now, clock) && (!now.Before(s.evalAt) || stepBack)
}

// suspectsStepBack reports whether the latest evaluation lies further ahead
// of clock than any current status can: the clock stepped back (or the state
// was restored from a process whose clock ran ahead), or clock was read
// before a concurrent status evaluated.
func (s *Series) suspectsStepBack(now, clock time.Time) bool {
	return current(now, clock) && now.Before(s.evalAt) && s.evalAt.After(clock.Add(maxAhead))
}

// stepBack says what a fresh clock reading is behind: the latest
// evaluation (eval), the bucket being accumulated (series).
type stepBack struct{ eval, series bool }

// lockSeries locks s.mu for a status at now and returns a clock reading,
// taken before the lock (the clock is user code, never called under a
// lock), and whether the clock stepped back behind the series. A reading
// that suggests so is confirmed by a second one taken after the state was
// seen (recheckClockLocked): a status whose first reading merely predates a
// concurrent evaluation or recording reads a later time then, and sees none.
func (t *Tracker) lockSeries(s *Series, now time.Time) (clock time.Time, sb stepBack) {
	clock = t.now()
	s.mu.Lock()
	for try := 0; try < 3 && (s.suspectsStepBack(now, clock) || s.aheadOf(clock)); try++ {
		var fresh bool
		if clock, fresh = s.recheckClockLocked(); fresh {
			return clock, stepBack{eval: s.suspectsStepBack(now, clock), series: s.aheadOf(clock)}
		}
	}
	return clock, stepBack{}
}
