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
// at risk with a page alert firing, a healthy latency objective, a grouped
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

// newFixture returns a tracker holding a month of scripted traffic that
// ends at fixtureNow, and the clock it reads (set to fixtureNow).
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
	run := func(s *budget.Series, from time.Time, d time.Duration, tf budgettest.Traffic) {
		clk.Set(from)
		tf.Run(clk, s, d)
	}
	start := fixtureNow.Add(-30 * 24 * time.Hour)

	avail := series("checkout-availability", "")
	steady := budgettest.Traffic{Rate: 5, ErrorRatio: 0.0007}
	run(avail, start, 18*24*time.Hour-2*time.Hour, steady)
	run(avail, fixtureNow.Add(-12*24*time.Hour-2*time.Hour), 2*time.Hour, budgettest.Traffic{Rate: 5, ErrorRatio: 0.01})
	run(avail, fixtureNow.Add(-12*24*time.Hour), 12*24*time.Hour-3*time.Hour, steady)
	run(avail, fixtureNow.Add(-3*time.Hour), time.Hour, budgettest.Traffic{Rate: 5, ErrorRatio: 0.02})
	run(avail, fixtureNow.Add(-2*time.Hour), 75*time.Minute, steady)
	run(avail, fixtureNow.Add(-45*time.Minute), 45*time.Minute, budgettest.Traffic{Rate: 5, ErrorRatio: 0.03})

	// Latency: 0.4% of calls slower than the threshold, and over the last
	// hour a spread of latencies for the percentiles. Events are recorded
	// in time order: a late event's latency counts as current.
	lat := series("checkout-latency", "")
	for at := start.Add(10 * time.Second); at.Before(fixtureNow.Add(-time.Hour)); at = at.Add(10 * time.Second) {
		clk.Set(at)
		lat.RecordN(sli.Event{Time: at, Outcome: sli.Good, Duration: 120 * time.Millisecond}, 20)
		if at.Unix()%1250 == 0 {
			lat.Record(sli.Event{Time: at, Outcome: sli.Good, Duration: 900 * time.Millisecond})
		}
	}
	spread := []time.Duration{80, 95, 110, 120, 130, 150, 170, 190, 220, 260}
	i := 0
	run(lat, fixtureNow.Add(-time.Hour), time.Hour, budgettest.Traffic{Rate: 2, ErrorRatio: 0.004, Event: func(bad bool) sli.Event {
		i++
		d := spread[i%len(spread)] * time.Millisecond
		if bad {
			d = 740 * time.Millisecond
		}
		return sli.Event{Outcome: sli.Good, Duration: d}
	}})

	ttft := func(slow time.Duration) func(bad bool) sli.Event {
		return func(bad bool) sli.Event {
			e := sli.Event{Outcome: sli.Good, Streaming: true, FirstToken: 420 * time.Millisecond, Duration: 3 * time.Second, OutputTokens: 200}
			if bad {
				e.FirstToken = slow
			}
			return e
		}
	}
	week := 7 * 24 * time.Hour
	run(series("chat-ttft", "gpt-4o"), fixtureNow.Add(-week), week, budgettest.Traffic{Rate: 0.5, ErrorRatio: 0.02, Event: ttft(2 * time.Second)})
	llama := series("chat-ttft", "llama-3-70b")
	run(llama, fixtureNow.Add(-week), 4*24*time.Hour, budgettest.Traffic{Rate: 0.5, ErrorRatio: 0.03, Event: ttft(2 * time.Second)})
	run(llama, fixtureNow.Add(-3*24*time.Hour), 3*24*time.Hour, budgettest.Traffic{Rate: 0.5, ErrorRatio: 0.16, Event: ttft(3 * time.Second)})

	clk.Set(fixtureNow)
	return tr, clk
}
