package sharedstatus_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/sharedstatus"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func newTracker(t *testing.T) (*budget.Tracker, *budgettest.Clock) {
	t.Helper()
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	return tr, clk
}

func TestOnePerTracker(t *testing.T) {
	a, _ := newTracker(t)
	b, _ := newTracker(t)
	if sharedstatus.For(a) != sharedstatus.For(a) {
		t.Error("two computations for one tracker")
	}
	if sharedstatus.For(a) == sharedstatus.For(b) {
		t.Error("one computation for two trackers")
	}
}

// Readers with different intervals share what suits them; a reader that
// needs the dashboard's parts refuses a snapshot without them.
func TestIntervalsAndNeeds(t *testing.T) {
	tr, clk := newTracker(t)
	s := sharedstatus.For(tr)
	first := s.Get(time.Second, false)
	if first.Dashboard || s.Computations() != 1 {
		t.Fatalf("first: dashboard %v, %d computations", first.Dashboard, s.Computations())
	}
	clk.Advance(1500 * time.Millisecond)
	if s.Get(2*time.Second, false) != first {
		t.Error("a 2 s reader did not get the 1.5 s old snapshot")
	}
	if s.Get(time.Second, false) == first || s.Computations() != 2 {
		t.Errorf("a 1 s reader got the 1.5 s old snapshot (%d computations)", s.Computations())
	}
	s.WantDashboard(120)
	d := s.Get(time.Second, true)
	if !d.Dashboard || d.Points != 120 || len(d.Statuses[0].BurnDown.Points) != 121 || s.Computations() != 3 {
		t.Errorf("dashboard snapshot: %v %d %d, %d computations", d.Dashboard, d.Points, len(d.Statuses[0].BurnDown.Points), s.Computations())
	}
	if s.Get(time.Second, false) != d {
		t.Error("a reader without needs refused the dashboard's snapshot")
	}
	s.WantDashboard(60) // the largest asked for stays
	clk.Advance(time.Second)
	if x := s.Get(time.Second, false); x.Points != 120 || len(x.Counted) != 1 {
		t.Errorf("points %d, counted %d", x.Points, len(x.Counted))
	}
}
