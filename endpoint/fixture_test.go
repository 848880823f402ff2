package endpoint_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// fixtureNow is the instant the fixture's traffic ends.
var fixtureNow = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

// fixtureObjectives cover every shape the dashboard draws: an objective
// at risk with alerts firing, a healthy latency objective, a grouped
// objective with one group exhausted (the gate closes), and one without
// data.
func fixtureObjectives() []sli.Objective {
	return []sli.Objective{
		{Name: "checkout-availability", Description: "Checkout API calls that do not fail by our fault.", Target: 0.999},
		{Name: "checkout-latency", Description: "Successful checkout calls within 300 ms.", Kind: sli.Latency, Target: 0.99, Threshold: 300 * time.Millisecond},
		{Name: "chat-ttft", Description: "Streaming chat calls whose first token arrives within 1.5 s.", Kind: sli.TimeToFirstToken, Target: 0.95,
			Threshold: 1500 * time.Millisecond, Window: sli.Rolling(7 * 24 * time.Hour), GroupBy: "model"},
		{Name: "chat-quality", Description: "Answers the evaluator scores 0.7 or better.", Kind: sli.Quality, Target: 0.9, MinScore: 0.7,
			Window: sli.CalendarMonth("Europe/Berlin"), Advisory: true},
	}
}

// batches records rate calls a second over [from, from+d] into s, in
// batches at the end of every step, the fraction errRatio of them failing
// (spread by a running remainder, so every batch holds the ratio to the
// call). ok and failed build the events. It moves clk to each batch.
type batches struct {
	clk        *budgettest.Clock
	s          *budget.Series
	step       time.Duration
	rate       float64
	errRatio   float64
	ok, failed sli.Event
}

func (b batches) run(from time.Time, d time.Duration) {
	n := int64(b.rate * b.step.Seconds())
	var acc float64
	for at := from.Add(b.step); !at.After(from.Add(d)); at = at.Add(b.step) {
		acc += float64(n) * b.errRatio
		bad := int64(acc + 1e-9)
		acc -= float64(bad)
		b.clk.Set(at)
		ok, failed := b.ok, b.failed
		ok.Time, failed.Time = at, at
		b.s.RecordN(ok, n-bad)
		b.s.RecordN(failed, bad)
	}
}

// newFixture returns a tracker holding a month of scripted traffic that
// ends at fixtureNow, and the clock it reads (set to fixtureNow). Older
// traffic is recorded in 5-minute batches and the last six hours in
// 10-second ones, so that it takes milliseconds and every window's counts
// are exact.
func newFixture(t testing.TB) (*budget.Tracker, *budgettest.Clock) {
	t.Helper()
	clk := budgettest.NewClock(fixtureNow)
	tr, err := budget.New(fixtureObjectives(), budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	series := func(name, group string) *budget.Series {
		s, err := tr.Series(name, group)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const coarse, fine = 5 * time.Minute, 10 * time.Second
	day := 24 * time.Hour
	month := fixtureNow.Add(-30 * day)
	recent := fixtureNow.Add(-6 * time.Hour)

	// checkout-availability: 5 calls a second, 0.07% failing, with an
	// incident 12 days ago (1% for 2 hours), another 3 hours ago (2% for an
	// hour) and one going on for the last 45 minutes (3%).
	ok, failed := sli.Event{Outcome: sli.Good, Duration: 80 * time.Millisecond}, sli.Event{Outcome: sli.Bad, ErrorType: "5xx"}
	avail := batches{clk: clk, s: series("checkout-availability", ""), rate: 5, ok: ok, failed: failed}
	at := func(step time.Duration, errRatio float64) batches {
		b := avail
		b.step, b.errRatio = step, errRatio
		return b
	}
	incident := fixtureNow.Add(-12*day - 2*time.Hour)
	at(coarse, 0.0007).run(month, incident.Sub(month))
	at(coarse, 0.01).run(incident, 2*time.Hour)
	at(coarse, 0.0007).run(incident.Add(2*time.Hour), recent.Sub(incident)-2*time.Hour)
	at(fine, 0.0007).run(recent, 3*time.Hour)
	at(fine, 0.02).run(fixtureNow.Add(-3*time.Hour), time.Hour)
	at(fine, 0.0007).run(fixtureNow.Add(-2*time.Hour), 75*time.Minute)
	at(fine, 0.03).run(fixtureNow.Add(-45*time.Minute), 45*time.Minute)

	// checkout-latency: 2 calls a second at 120 ms, 0.4% slower than the
	// threshold; over the last hour a spread of latencies for the
	// percentiles. Events are recorded in time order: a late event's
	// latency counts as current.
	lat := series("checkout-latency", "")
	fast, slow := sli.Event{Outcome: sli.Good, Duration: 120 * time.Millisecond}, sli.Event{Outcome: sli.Good, Duration: 900 * time.Millisecond}
	batches{clk: clk, s: lat, step: coarse, rate: 2, errRatio: 0.004, ok: fast, failed: slow}.run(month, 30*day-time.Hour)
	spread := []time.Duration{80, 95, 110, 120, 130, 150, 170, 190, 220, 260}
	for i, at := 0, fixtureNow.Add(-time.Hour); at.Before(fixtureNow); i++ {
		at = at.Add(fine)
		clk.Set(at)
		e := sli.Event{Time: at, Outcome: sli.Good, Duration: spread[i%len(spread)] * time.Millisecond}
		if i%25 == 0 {
			e.Duration = 740 * time.Millisecond
		}
		lat.RecordN(e, 20)
	}

	// chat-ttft, by model: gpt-4o healthy, llama-3-70b slow for three days
	// and out of budget.
	first := func(d time.Duration) sli.Event {
		return sli.Event{Outcome: sli.Good, Streaming: true, FirstToken: d, Duration: 3 * time.Second, OutputTokens: 200}
	}
	week := 7 * day
	gpt := batches{clk: clk, s: series("chat-ttft", "gpt-4o"), step: coarse, rate: 0.5, errRatio: 0.02, ok: first(420 * time.Millisecond), failed: first(2 * time.Second)}
	gpt.run(fixtureNow.Add(-week), week)
	llama := batches{clk: clk, s: series("chat-ttft", "llama-3-70b"), step: coarse, rate: 0.5, errRatio: 0.03, ok: first(610 * time.Millisecond), failed: first(2 * time.Second)}
	llama.run(fixtureNow.Add(-week), 4*day)
	llama.errRatio, llama.failed = 0.16, first(3*time.Second)
	llama.run(fixtureNow.Add(-3*day), 3*day)

	clk.Set(fixtureNow)
	return tr, clk
}
