package budgettest

import (
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/window"
)

// Phase is one stretch of a script for Detect: Traffic for Duration.
type Phase struct {
	Traffic
	Duration time.Duration
}

// Detection is what one alert rule did while Detect played a script.
type Detection struct {
	// Rule and Severity name the alert rule.
	Rule     string
	Severity budget.Severity
	// Fired reports whether the alert fired; FiredAfter is the time from
	// the script's start to the first evaluation that saw it firing: how
	// long the errors took to page (or to open a ticket).
	Fired      bool
	FiredAfter time.Duration
	// Resolved reports whether the alert stopped firing after it fired;
	// ResolvedAfter is the time from the script's start to the first
	// evaluation that saw it resolved.
	Resolved      bool
	ResolvedAfter time.Duration
}

// DefaultEvery is how often Detect evaluates the status when given no
// interval: Tracker.Run's default interval.
const DefaultEvery = 10 * time.Second

// Detect answers "how long until this pages": it plays phases one after
// the other into s, a series of tr, moving clk (tr's clock) as it goes, and
// evaluates tr's status every `every` from the start (DefaultEvery when
// zero or negative), as an application running tr.Run(ctx, every) would.
// It returns, in tr's rule order, when each alert rule of s first fired and
// when it first resolved after that.
//
// Calls are spread as Traffic.Run spreads them (the failing fraction by a
// running remainder that carries from one evaluation to the next, and from
// one phase to the next), each phase's calls at its start + k/Rate. An
// evaluation at t sees every call made at or before t. Identical calls
// between two evaluations within one 10-second bucket are recorded as one
// batch when Event is nil, so a script of days takes a fraction of a
// second per day at ten calls a second.
//
// Alerts judge windows of up to the period: to measure a detection as
// production would see it, fill the period first with the traffic that
// precedes the incident (Traffic.Run, which does not evaluate), then
// Detect the incident. Times are measured at evaluations, so each is
// rounded up to a multiple of every.
func Detect(clk *Clock, tr *budget.Tracker, s *budget.Series, every time.Duration, phases ...Phase) []Detection {
	if every <= 0 {
		every = DefaultEvery
	}
	rules := tr.AlertRules()
	out := make([]Detection, len(rules))
	for i, r := range rules {
		out[i] = Detection{Rule: r.Name, Severity: r.Severity}
	}
	name, group := s.Objective().Name, s.Group()
	start := clk.Now()
	next := start.Add(every)

	var p player
	p.rec = s
	evaluate := func() {
		p.flush(clk)
		clk.Set(next)
		for _, st := range tr.StatusAt(next) {
			if st.Objective.Name != name || st.Group != group {
				continue
			}
			for i, a := range st.Alerts {
				d := &out[i]
				switch {
				case a.Firing && !d.Fired:
					d.Fired, d.FiredAfter = true, next.Sub(start)
				case !a.Firing && d.Fired && !d.Resolved:
					d.Resolved, d.ResolvedAfter = true, next.Sub(start)
				}
			}
		}
		next = next.Add(every)
	}

	from := start
	for _, ph := range phases {
		end := from.Add(ph.Duration)
		p.tr = ph.Traffic
		if ph.Rate > 0 && ph.Duration > 0 {
			step := time.Duration(float64(time.Second) / ph.Rate)
			n := int64(float64(ph.Duration) / float64(step))
			for i := int64(1); i <= n; i++ {
				at := from.Add(time.Duration(i) * step)
				for next.Before(at) {
					evaluate()
				}
				p.call(clk, at)
			}
		}
		for !next.After(end) {
			evaluate()
		}
		p.flush(clk)
		from = end
	}
	clk.Set(from)
	return out
}

// player records the calls of a script, batching runs of identical calls
// within a bucket, and keeps the failing fraction's remainder across
// evaluations and phases.
type player struct {
	rec *budget.Series
	tr  Traffic
	acc float64

	run     int64
	runBad  bool
	runAt   time.Time
	runSlot int64
	runTr   Traffic
}

func (p *player) call(clk *Clock, at time.Time) {
	p.acc += p.tr.ErrorRatio
	failed := p.acc >= 1-1e-9
	if failed {
		p.acc--
	}
	if p.tr.Event != nil {
		p.flush(clk)
		clk.Set(at)
		p.rec.Record(p.tr.event(failed, at))
		return
	}
	slot := at.UnixNano() / window.FineWidth // the 10-second buckets
	if p.run > 0 && (failed != p.runBad || slot != p.runSlot || p.tr.Latency != p.runTr.Latency) {
		p.flush(clk)
	}
	p.run++
	p.runBad, p.runAt, p.runSlot, p.runTr = failed, at, slot, p.tr
}

func (p *player) flush(clk *Clock) {
	if p.run == 0 {
		return
	}
	clk.Set(p.runAt)
	p.rec.RecordN(p.runTr.event(p.runBad, p.runAt), p.run)
	p.run = 0
}
