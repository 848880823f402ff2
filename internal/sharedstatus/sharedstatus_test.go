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

// Readers with different intervals share what suits them. No snapshot
// carries burn-downs: the dashboard draws the few it shows itself
// (budget.Tracker.BurnDownOf), so that no other reader pays for them.
func TestIntervals(t *testing.T) {
	tr, clk := newTracker(t)
	s := sharedstatus.For(tr)
	first := s.Get(time.Second)
	if s.Computations() != 1 || len(first.Statuses[0].BurnDown.Points) != 0 {
		t.Fatalf("first: %d computations, %d burn-down points", s.Computations(), len(first.Statuses[0].BurnDown.Points))
	}
	clk.Advance(1500 * time.Millisecond)
	if s.Get(2*time.Second) != first {
		t.Error("a 2 s reader did not get the 1.5 s old snapshot")
	}
	if s.Get(time.Second) == first || s.Computations() != 2 {
		t.Errorf("a 1 s reader got the 1.5 s old snapshot (%d computations)", s.Computations())
	}
	if x := s.Get(time.Second); len(x.Counted) != 1 {
		t.Errorf("counted %d", len(x.Counted))
	}
}
