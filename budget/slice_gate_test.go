package budget_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// The gate counts a time-slice objective's closed slices, as its policy
// does, and says so (Unjudged.Slices); a grouped one is listed once, by its
// overall entry, which alone decides for the objective. (Before: 1,200
// events of 100 needed, and every group listed besides.)
func TestGateUnjudgedCountsSlices(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{
		{Name: "minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95},
		{Name: "by-route", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95, GroupBy: "route"},
		{Name: "events", Target: 0.999},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ name, group string }{{"minutes", ""}, {"by-route", "a"}, {"by-route", "b"}, {"events", ""}} {
		clk.Set(time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC))
		x, _ := tr.Series(s.name, s.group)
		budgettest.Traffic{Rate: 2}.Run(clk, x, 10*time.Minute) // 1,200 events, 10 closed minutes
	}
	clk.Set(time.Date(2026, 3, 20, 9, 10, 30, 0, time.UTC))
	got := tr.Gate().Unjudged // "events" holds 1,200 events: judged
	want := []budget.Unjudged{
		{Objective: "minutes", Events: 10, EventsNeeded: 100, Slices: true},
		{Objective: "by-route", Events: 10, EventsNeeded: 100, Slices: true},
	}
	if len(got) != len(want) {
		t.Fatalf("unjudged %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("unjudged[%d] %+v, want %+v", i, got[i], want[i])
		}
	}
}
