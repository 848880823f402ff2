package budget

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// TestStatusSumsMatchWalk drives a tracker with random traffic, late
// events, clock moves (small, large, and back), corrections declared
// afterwards and removed, statuses of earlier instants, and checks every
// current status against the walk of the buckets (Ring.Span): the period,
// each standard window and each alert window, which the status reads from
// running sums (Ring.SpanKept), must hold exactly the walk's counts.
func TestStatusSumsMatchWalk(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 13))
	start := time.Date(2026, 3, 28, 22, 0, 0, 0, time.UTC) // Berlin's month and its DST change
	clk := &fakeClock{now: start}
	rules := append(DefaultAlertRules(), AlertRule{Name: "own", Severity: Ticket, LongWindow: 90 * time.Minute, ShortWindow: 7 * time.Minute, BurnRate: 2})
	tr, err := New([]sli.Objective{
		{Name: "rolling", Target: 0.99, Window: sli.Rolling(4 * 24 * time.Hour)},
		{Name: "long", Kind: sli.Latency, Target: 0.99, Threshold: 100 * time.Millisecond, Window: sli.Rolling(92 * 24 * time.Hour)},
		{Name: "month", Target: 0.999, Window: sli.CalendarMonth("Europe/Berlin"), GroupBy: "route"},
	}, WithClock(clk.Now), WithAlertRules(rules))
	if err != nil {
		t.Fatal(err)
	}
	var series []*Series
	for _, o := range []string{"rolling", "long"} {
		s, _ := tr.Series(o, "")
		series = append(series, s)
	}
	for _, g := range []string{"/a", "/b"} {
		s, _ := tr.Series("month", g)
		series = append(series, s)
	}
	steps := 3000
	if testing.Short() {
		steps = 600
	}
	for step := range steps {
		now := clk.Now()
		switch op := rng.IntN(1000); {
		case op < 500: // traffic at the clock, or a little late
			at := now.Add(-time.Duration(rng.Int64N(int64(20 * time.Second))))
			if rng.IntN(10) == 0 {
				at = now.Add(-time.Duration(rng.Int64N(int64(8 * time.Hour))))
			}
			out := sli.Good
			if rng.IntN(30) == 0 {
				out = sli.Bad
			}
			d := time.Duration(rng.Int64N(int64(200 * time.Millisecond)))
			series[rng.IntN(len(series))].RecordN(sli.Event{Time: at, Outcome: out, Duration: d}, 1+rng.Int64N(40))
		case op < 900:
			clk.Set(now.Add(time.Duration(rng.Int64N(int64(2 * time.Minute)))))
		case op < 960:
			clk.Set(now.Add(time.Duration(rng.Int64N(int64(30 * time.Hour)))))
		case op < 970: // the clock steps back
			clk.Set(now.Add(-time.Duration(rng.Int64N(int64(2 * time.Hour)))))
		case op < 985: // a correction declared afterwards
			cs := now.Add(-time.Duration(rng.Int64N(int64(3 * 24 * time.Hour))))
			if err := tr.AddCorrection(Correction{Start: cs, End: cs.Add(time.Duration(rng.Int64N(int64(5 * time.Hour)))), Reason: "test"}); err != nil {
				t.Fatal(err)
			}
		case op < 990:
			if cs := tr.Corrections(); len(cs) > 0 {
				if err := tr.RemoveCorrection(cs[rng.IntN(len(cs))].ID); err != nil {
					t.Fatal(err)
				}
			}
		default: // a status of an earlier instant walks, and moves no sum
			tr.StatusAt(now.Add(-time.Duration(rng.Int64N(int64(48 * time.Hour)))))
		}
		if rng.IntN(4) != 0 {
			continue
		}
		for _, st := range tr.Status() {
			checkAgainstWalk(t, fmt.Sprintf("seed %d step %d", seed, step), tr, st)
		}
	}
}

// checkAgainstWalk compares st's windows with the walk of the series'
// buckets at st.Time.
func checkAgainstWalk(t *testing.T, where string, tr *Tracker, st Status) {
	t.Helper()
	s := tr.SLO(st.Objective.Name).Series(st.Group)
	s.mu.Lock()
	defer s.mu.Unlock()
	end := st.Time.UnixNano()
	walk := func(d time.Duration) counts {
		c, _ := s.ring.Span(end-int64(d), end, false)
		return countsOf(c)
	}
	pd := st.PeriodEnd.Sub(st.PeriodStart)
	if st.Objective.Window.IsCalendar() {
		pd = st.Time.Sub(st.PeriodStart)
	}
	if w := walk(pd); w != (counts{st.Good, st.Bad}) {
		t.Fatalf("%s: %s[%s] period: status %d good %d bad, walk %+v", where, st.Objective.Name, st.Group, st.Good, st.Bad, w)
	}
	for _, b := range st.BurnRates[:len(standardWindows)] {
		if w := walk(b.Duration); w != (counts{b.Good, b.Bad}) {
			t.Fatalf("%s: %s[%s] window %s: status %d good %d bad, walk %+v", where, st.Objective.Name, st.Group, b.Window, b.Good, b.Bad, w)
		}
	}
	for _, a := range st.Alerts {
		if l, sh := walk(a.Rule.LongWindow), walk(a.Rule.ShortWindow); l.total() != a.LongEvents || sh.total() != a.ShortEvents {
			t.Fatalf("%s: %s[%s] alert %s: status %d, %d events, walk %d, %d", where, st.Objective.Name, st.Group, a.Rule.Name, a.LongEvents, a.ShortEvents, l.total(), sh.total())
		}
	}
}
