package budget_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// Corrections at scale (issue 10, item 6). The recording cost is measured
// in bench/ (BenchmarkCorrectedEvents, BenchmarkAddCorrection); these
// tests hold what a status lists and what the tracker keeps.

// TestStatusListsBoundedOccurrences: a rule every minute over a 30-day
// period listed every occurrence, 43,000 entries per objective in each
// status (/slo grew to 79 MB). A status lists the last three occurrences
// within the period, the current one among them, and the next one.
func TestStatusListsBoundedOccurrences(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 20, 0, time.UTC)
	clk := budgettest.NewClock(now)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	first := now.Add(-20 * 24 * time.Hour).Truncate(time.Minute)
	err := tr.AddCorrection(budget.Correction{
		Start: first, End: first.Add(30 * time.Second), Reason: "every minute",
		Recurrence: "FREQ=DAILY;BYHOUR=" + list(24) + ";BYMINUTE=" + list(60),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range tr.Status()[0].Corrections {
		got = append(got, c.Start.UTC().Format("15:04:05")+"–"+c.End.UTC().Format("15:04:05"))
	}
	want := "[11:58:00–11:58:30 11:59:00–11:59:30 12:00:00–12:00:30 12:01:00–12:01:30]"
	if fmt.Sprint(got) != want {
		t.Errorf("listed %v, want %s (the last three, the current one among them, and the next)", got, want)
	}

	// A weekly rule whose first occurrence lies in the period lists what
	// the period holds of it, however little.
	tr.AddCorrection(budget.Correction{Start: now.Add(-26 * time.Hour), End: now.Add(-25 * time.Hour), Reason: "weekly", Recurrence: "FREQ=WEEKLY"})
	n := 0
	for _, c := range tr.Status()[0].Corrections {
		if c.Reason == "weekly" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("weekly rule: %d entries, want 2 (the one in the period and the next)", n)
	}
}

func list(n int) string {
	s := "0"
	for i := 1; i < n; i++ {
		s += fmt.Sprint(",", i)
	}
	return s
}

// TestOneOffCorrectionsPruned: a one-off correction whose end has left
// every window (the period, the longest alert rule, the minute ahead) is
// dropped from the declarations, also from the state saved, within the hour
// (at the next rebuild of the recording path's lists); one still in
// a window, and every recurring one, stays. Declaring one that has already
// left is accepted and keeps nothing.
func TestOneOffCorrectionsPruned(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now)) // 30-day period
	old := budget.Correction{ID: "old", Start: t0.Add(-2 * time.Hour), End: t0.Add(-time.Hour), Reason: "old"}
	recent := budget.Correction{ID: "recent", Start: t0.Add(5 * 24 * time.Hour), End: t0.Add(5*24*time.Hour + time.Hour), Reason: "recent"}
	weekly := budget.Correction{ID: "weekly", Start: t0.Add(-3 * time.Hour), End: t0.Add(-2 * time.Hour), Reason: "weekly", Recurrence: "FREQ=WEEKLY"}
	for _, c := range []budget.Correction{old, recent, weekly} {
		if err := tr.AddCorrection(c); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() string {
		var s []string
		for _, c := range tr.Corrections() {
			s = append(s, c.ID)
		}
		return fmt.Sprint(s)
	}
	// One minute short of leaving: old is kept.
	clk.Set(t0.Add(-time.Hour + 30*24*time.Hour))
	tr.Status()
	if got := ids(); got != "[old recent weekly]" {
		t.Errorf("before old left the period: %s", got)
	}
	// The lists the recording path reads are rebuilt, and pruned, when the
	// clock has moved an hour since the last rebuild.
	clk.Set(t0.Add(-time.Hour + 30*24*time.Hour + time.Hour + time.Minute))
	tr.Status()
	if got := ids(); got != "[recent weekly]" {
		t.Errorf("after old left the period: %s, want [recent weekly]", got)
	}
	// Declared again (an application declaring its windows at each start):
	// accepted, kept nowhere.
	if err := tr.AddCorrection(old); err != nil {
		t.Fatal(err)
	}
	if got := ids(); got != "[recent weekly]" {
		t.Errorf("after declaring old again: %s", got)
	}
	// Its ID is free again.
	if err := tr.AddCorrection(budget.Correction{ID: "old", Start: clk.Now(), End: clk.Now().Add(time.Hour), Reason: "new"}); err != nil {
		t.Errorf("the pruned correction's ID is still taken: %v", err)
	}
}

// TestManyOneOffCorrections: 10,000 one-off corrections, each excluding
// exactly its own minute (a quarter of them for one objective only),
// declared one by one (quadratic before: 8.3 s), then some withdrawn.
func TestManyOneOffCorrections(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	clk := budgettest.NewClock(now)
	tr, _ := budget.New([]sli.Objective{availability("api"), availability("other")}, budget.WithClock(clk.Now))
	const n = 10_000
	for i := range n {
		end := now.Add(-time.Duration(2*i) * time.Minute)
		c := budget.Correction{Start: end.Add(-time.Minute), End: end, Reason: "upstream"}
		if i%4 == 1 {
			c.Objective = "api"
		}
		if err := tr.AddCorrection(c); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 400; i += 3 {
		if err := tr.RemoveCorrection(fmt.Sprint("c", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	api, _ := tr.Series("api", "")
	other, _ := tr.Series("other", "")
	var wantAPI, wantOther int64
	for i := range 600 { // the last 20 hours, one event 30 s into each minute
		at := now.Add(-time.Duration(i)*time.Minute - 30*time.Second)
		api.Record(sli.Event{Time: at, Outcome: sli.Bad})
		other.Record(sli.Event{Time: at, Outcome: sli.Bad})
		k := i / 2 // the correction of this minute, if i is even
		covered := i%2 == 0 && k%3 != 0
		if !covered {
			wantAPI++
		}
		if !covered || k%4 == 1 {
			wantOther++
		}
	}
	st := tr.Status()
	if st[0].Bad != wantAPI || st[1].Bad != wantOther {
		t.Errorf("bad: api %d, other %d; want %d and %d", st[0].Bad, st[1].Bad, wantAPI, wantOther)
	}
}
