package budget_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// The slice verdicts survive a restart: bad minutes older than the fine
// tier (kept only as 15-minute counts), recent ones, empty ones, a grouped
// objective's overall entry and ratio slices come back as they were.
func TestSlicesSurviveRestart(t *testing.T) {
	ts := sliceObjective("ts")
	ts.EmptySlices = sli.EmptyBad
	ratio := sliceObjective("ratio")
	ratio.Budgeting, ratio.SliceTarget = sli.RatioTimeslices, 0
	grouped := sliceObjective("grouped")
	grouped.GroupBy = "route"
	objs := []sli.Objective{ts, ratio, grouped}
	store := &state.MemoryStore{}
	clk := budgettest.NewClock(t0)
	open := func() *budget.Tracker {
		tr, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(store, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	tr := open()
	var rec []*budget.Series
	for _, n := range []string{"ts", "ratio"} {
		s, _ := tr.Series(n, "")
		rec = append(rec, s)
	}
	ga, _ := tr.Series("grouped", "/a")
	gb, _ := tr.Series("grouped", "/b")
	for k := range 8 * 60 {
		at := clk.Now().Add(time.Second)
		bad := int64(0)
		if k%45 == 7 {
			bad = 10 // a bad minute now and then, old and recent
		}
		if k%100 != 50 { // and a silent minute now and then
			for _, s := range rec {
				s.RecordN(sli.Event{Time: at, Outcome: sli.Good}, 90)
				s.RecordN(sli.Event{Time: at, Outcome: sli.Bad}, bad)
			}
		}
		ga.RecordN(sli.Event{Time: at, Outcome: sli.Good}, 100-bad)
		ga.RecordN(sli.Event{Time: at, Outcome: sli.Bad}, bad)
		gb.RecordN(sli.Event{Time: at, Outcome: sli.Good}, 100)
		if k%60 == 30 {
			gb.RecordN(sli.Event{Time: at, Outcome: sli.Bad}, 50)
		}
		clk.Advance(time.Minute)
	}
	before := tr.Status()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	after := open().Status()
	if len(after) != len(before) {
		t.Fatalf("%d statuses after the restart, %d before", len(after), len(before))
	}
	for i := range before {
		b, a := slicesOf(t, before[i]), slicesOf(t, after[i])
		if a != b {
			t.Errorf("%s %q: slices %+v after the restart, %+v before", before[i].Objective.Name, before[i].Group, a, b)
		}
		if b.Bad == 0 {
			t.Errorf("%s %q: no bad slice to carry: %+v", before[i].Objective.Name, before[i].Group, b)
		}
	}
}
