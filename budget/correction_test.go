package budget_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// outageRun prefills 4 days of clean traffic at 10 calls a second, then
// sends a 30-minute outage (every call fails) starting 10 minutes into the
// day after, and 20 clean minutes after it. It returns the tracker and the
// transitions it delivered while the outage ran, status evaluated every
// minute as the endpoint or Run would.
func outageRun(t *testing.T, declare func(tr *budget.Tracker, outage time.Time)) (*budget.Tracker, *budgettest.Clock, *[]budget.Transition) {
	t.Helper()
	clk := budgettest.NewClock(t0)
	trs := new([]budget.Transition)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.OnTransition(func(x budget.Transition) { *trs = append(*trs, x) }))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 4*24*time.Hour)
	outage := clk.Now().Add(10 * time.Minute)
	if declare != nil {
		declare(tr, outage)
	}
	budgettest.Traffic{Rate: 10}.Run(clk, s, 10*time.Minute)
	for range 30 {
		budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, time.Minute)
		tr.Status()
	}
	for range 20 {
		budgettest.Traffic{Rate: 10}.Run(clk, s, time.Minute)
		tr.Status()
	}
	return tr, clk, trs
}

func fired(trs []budget.Transition) []string {
	var out []string
	for _, x := range trs {
		if x.Kind == budget.AlertFired {
			out = append(out, x.Alert.Rule.Name)
		}
	}
	return out
}

// TestMaintenanceWindow is the acceptance test: an outage during a declared
// maintenance window consumes no budget and fires no alert; the same outage
// outside it does.
func TestMaintenanceWindow(t *testing.T) {
	const outageEvents = 30 * 60 * 10

	t.Run("during the window", func(t *testing.T) {
		tr, _, trs := outageRun(t, func(tr *budget.Tracker, outage time.Time) {
			err := tr.AddCorrection(budget.Correction{Start: outage.Add(-5 * time.Minute), End: outage.Add(time.Hour), Reason: "database upgrade"})
			if err != nil {
				t.Fatal(err)
			}
		})
		st := tr.Status()[0]
		// Everything in the window is excluded: the outage and the clean
		// minutes around it (5 before, 20 after).
		if st.Bad != 0 || st.Remaining.Value != 1 || st.LifetimeExcluded < outageEvents+25*60*10 {
			t.Errorf("bad %d, remaining %v, excluded %d; want 0, 1, %d", st.Bad, st.Remaining, st.LifetimeExcluded, outageEvents+25*60*10)
		}
		if f := fired(*trs); len(f) != 0 || len(st.Firing()) != 0 {
			t.Errorf("alerts fired during maintenance: %v", f)
		}
		if len(st.Corrections) != 1 || st.Corrections[0].Reason != "database upgrade" {
			t.Errorf("status corrections %+v", st.Corrections)
		}
	})

	t.Run("outside the window", func(t *testing.T) {
		tr, _, trs := outageRun(t, func(tr *budget.Tracker, outage time.Time) {
			// The same window, a day later.
			if err := tr.AddCorrection(budget.Correction{Start: outage.Add(24 * time.Hour), End: outage.Add(25 * time.Hour), Reason: "database upgrade"}); err != nil {
				t.Fatal(err)
			}
		})
		st := tr.Status()[0]
		if st.Bad != outageEvents {
			t.Errorf("bad %d, want %d", st.Bad, outageEvents)
		}
		// 18000 bad of 3.5 million: 5.2 times the 0.1% budget.
		if st.Remaining.Value > -4 {
			t.Errorf("remaining %v; the outage should overspend the budget 5 times", st.Remaining)
		}
		if f := fired(*trs); !strings.Contains(strings.Join(f, ","), "page-1h") {
			t.Errorf("fired %v, want page-1h among them", f)
		}
		if len(st.Corrections) != 1 || !st.Corrections[0].Start.After(st.Time) {
			t.Errorf("the coming correction should be listed: %+v", st.Corrections)
		}
	})

	t.Run("declared afterwards", func(t *testing.T) {
		var outage time.Time
		tr, clk, trs := outageRun(t, func(_ *budget.Tracker, o time.Time) { outage = o })
		if f := fired(*trs); len(f) == 0 {
			t.Fatal("no alert fired before the correction")
		}
		before := tr.Status()[0]
		// The outage's calls complete in (outage, outage+30m]. The span is
		// younger than 6.4 hours, so the fine tier removes it to 10 s: the
		// buckets at its edges take some clean calls with them.
		if err := tr.AddCorrection(budget.Correction{Start: outage.Add(time.Millisecond), End: outage.Add(30*time.Minute + time.Millisecond), Reason: "upstream incident"}); err != nil {
			t.Fatal(err)
		}
		*trs = (*trs)[:0]
		clk.Advance(time.Second)
		st := tr.Status()[0]
		if st.Bad != 0 || st.Remaining.Value != 1 {
			t.Errorf("after the correction: bad %d, remaining %v; want 0 and 1", st.Bad, st.Remaining)
		}
		lost := before.Good - st.Good
		if lost < 0 || lost > 2*10*10 {
			t.Errorf("%d clean calls removed with the outage, want at most two buckets' (200)", lost)
		}
		if st.LifetimeExcluded != before.LifetimeExcluded+outageEvents+lost {
			t.Errorf("excluded %d, want %d", st.LifetimeExcluded, before.LifetimeExcluded+outageEvents+lost)
		}
		for _, w := range st.BurnRates {
			if w.Bad != 0 {
				t.Errorf("window %s still has %d bad events", w.Window, w.Bad)
			}
		}
		if len(st.Firing()) != 0 {
			t.Errorf("alerts still firing: %+v", st.Firing())
		}
		resolved := 0
		for _, x := range *trs {
			if x.Kind == budget.AlertResolved {
				resolved++
			}
		}
		if resolved != len(before.Firing()) {
			t.Errorf("%d alerts resolved, want the %d that fired", resolved, len(before.Firing()))
		}
	})
}

// TestCorrectionDeclaredAfterwardsOlder: spans older than the fine tier are
// removed to 5 minutes (medium tier) or 15 minutes (coarse tier).
func TestCorrectionDeclaredAfterwardsOlder(t *testing.T) {
	for _, c := range []struct {
		name  string
		age   time.Duration
		width time.Duration
	}{
		{"medium tier", 24 * time.Hour, 5 * time.Minute},
		{"coarse tier", 10 * 24 * time.Hour, 15 * time.Minute},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := budgettest.NewClock(t0)
			tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
			s, _ := tr.Series("api", "")
			budgettest.Traffic{Rate: 1}.Run(clk, s, 24*time.Hour)
			// An outage of 47 minutes starting off any bucket edge.
			outage := clk.Now().Add(7*time.Minute + 3*time.Second)
			budgettest.Traffic{Rate: 1}.Run(clk, s, 7*time.Minute+3*time.Second)
			budgettest.Traffic{Rate: 1, ErrorRatio: 1}.Run(clk, s, 47*time.Minute)
			budgettest.Traffic{Rate: 1}.Run(clk, s, c.age)
			before := tr.Status()[0]
			if before.Bad != 47*60 {
				t.Fatalf("bad %d before, want %d", before.Bad, 47*60)
			}
			if err := tr.AddCorrection(budget.Correction{Start: outage, End: outage.Add(47 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
			st := tr.Status()[0]
			if st.Bad != 0 {
				t.Errorf("bad %d after the correction, want 0", st.Bad)
			}
			// Good events of the buckets at each edge go too, less than one
			// bucket width's worth at each end.
			lost := before.Good - st.Good
			if lost < 0 || lost > 2*int64(c.width/time.Second) {
				t.Errorf("%d good events removed with the outage, want at most %d", lost, 2*int64(c.width/time.Second))
			}
			if st.LifetimeExcluded != before.Bad+lost {
				t.Errorf("excluded %d, want %d", st.LifetimeExcluded, before.Bad+lost)
			}
		})
	}
}

func TestCorrectionEdgesExact(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api"), availability("other")}, budget.WithClock(clk.Now))
	start := t0.Add(time.Hour + 123*time.Millisecond)
	end := start.Add(17 * time.Second)
	if err := tr.AddCorrection(budget.Correction{Objective: "api", Start: start, End: end, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(end.Add(time.Minute))
	api, _ := tr.Series("api", "")
	other, _ := tr.Series("other", "")
	for _, at := range []time.Time{start.Add(-time.Nanosecond), start, end.Add(-time.Nanosecond), end} {
		budget.Set{api, other}.Record(sli.Event{Time: at, Outcome: sli.Bad})
	}
	sts := tr.Status()
	if sts[0].Bad != 2 || sts[0].LifetimeExcluded != 2 {
		t.Errorf("api: bad %d excluded %d, want 2 and 2", sts[0].Bad, sts[0].LifetimeExcluded)
	}
	if sts[1].Bad != 4 || len(sts[1].Corrections) != 0 {
		t.Errorf("other: bad %d, corrections %v; want 4 and none", sts[1].Bad, sts[1].Corrections)
	}
}

func TestWeeklyMaintenanceWindow(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	// Sundays 02:00–04:00 Berlin, from 1 March 2026; 29 March is the
	// spring-forward Sunday, so the later dates are in summer time.
	first := time.Date(2026, 3, 1, 2, 0, 0, 0, berlin)
	clk := budgettest.NewClock(first.Add(-time.Hour))
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	err = tr.AddCorrection(budget.Correction{
		Start: first, End: first.Add(2 * time.Hour), Reason: "weekly maintenance",
		Recurrence: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := tr.Corrections()[0]; c.TimeZone != "Europe/Berlin" || c.ID != "c1" {
		t.Errorf("TimeZone %q, ID %q: want Start's zone and c1", c.TimeZone, c.ID)
	}
	api, _ := tr.Series("api", "")
	excluded := []time.Time{
		first, first.Add(2*time.Hour - time.Nanosecond),
		time.Date(2026, 3, 8, 3, 59, 0, 0, berlin),
		time.Date(2026, 4, 5, 2, 0, 0, 0, berlin), // summer time
		time.Date(2026, 4, 5, 3, 30, 0, 0, berlin),
		time.Date(2026, 6, 28, 2, 30, 0, 0, berlin), // beyond the first horizon
	}
	counted := []time.Time{
		first.Add(-time.Nanosecond), first.Add(2 * time.Hour),
		time.Date(2026, 3, 2, 2, 30, 0, 0, berlin), // a Monday
		time.Date(2026, 4, 5, 4, 0, 0, 0, berlin),
		time.Date(2026, 4, 5, 1, 59, 0, 0, berlin),
		time.Date(2026, 2, 22, 2, 30, 0, 0, berlin), // before the first
	}
	for _, at := range excluded {
		clk.Set(at)
		api.Record(sli.Event{Time: at, Outcome: sli.Bad})
		if st := tr.Status()[0]; st.Bad != 0 {
			t.Errorf("%v: counted, want excluded", at)
		}
	}
	for i, at := range counted {
		clk.Set(at.Add(time.Second))
		tr2, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
		for _, c := range tr.Corrections() {
			tr2.AddCorrection(c)
		}
		s, _ := tr2.Series("api", "")
		s.Record(sli.Event{Time: at, Outcome: sli.Bad})
		if st := tr2.Status()[0]; st.Bad != 1 {
			t.Errorf("%d %v: excluded, want counted", i, at)
		}
	}

	// The status lists the last three occurrences in the period (the
	// current one among them) and the next one.
	clk.Set(time.Date(2026, 4, 8, 12, 0, 0, 0, berlin))
	st := tr.Status()[0]
	var starts []string
	for _, c := range st.Corrections {
		starts = append(starts, c.Start.In(berlin).Format("01-02 15:04"))
		if c.End.Sub(c.Start) != 2*time.Hour || c.Recurrence == "" || c.ID != "c1" {
			t.Errorf("listed %+v", c)
		}
	}
	want := "03-22 02:00 03-29 03:00 04-05 02:00 04-12 02:00"
	if strings.Join(starts, " ") != want {
		t.Errorf("listed occurrences %v, want %s", starts, want)
	}
}

func TestCorrectionDeclarations(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	c := budget.Correction{Start: t0, End: t0.Add(time.Hour), Reason: "r"}
	for range 3 {
		if err := tr.AddCorrection(c); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tr.Corrections()); n != 1 {
		t.Errorf("declared the same correction thrice: %d kept, want 1", n)
	}
	d := c
	d.ID, d.End = "c1", t0.Add(2*time.Hour)
	if err := tr.AddCorrection(d); err == nil {
		t.Error("a second correction with ID c1 was accepted")
	}
	for _, bad := range []budget.Correction{
		{Start: t0, End: t0},
		{Objective: "nope", Start: t0, End: t0.Add(time.Hour)},
		{Start: t0, End: t0.Add(time.Hour), TimeZone: "UTC"},
		{Start: t0, End: t0.Add(time.Hour), Recurrence: "FREQ=MONTHLY"},
		{Start: t0, End: t0.Add(time.Hour), Recurrence: "FREQ=DAILY", TimeZone: "Mars/Olympus"},
		{Start: t0, End: t0.Add(8 * 24 * time.Hour), Recurrence: "FREQ=WEEKLY"},
	} {
		if err := tr.AddCorrection(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}

	// A future correction, then withdrawn.
	api, _ := tr.Series("api", "")
	f := budget.Correction{ID: "deploy", Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour)}
	if err := tr.AddCorrection(f); err != nil {
		t.Fatal(err)
	}
	if err := tr.RemoveCorrection("deploy"); err != nil {
		t.Fatal(err)
	}
	if err := tr.RemoveCorrection("deploy"); err == nil {
		t.Error("removed a correction twice")
	}
	clk.Set(t0.Add(2*time.Hour + time.Minute))
	api.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad})
	if st := tr.Status()[0]; st.Bad != 1 {
		t.Errorf("bad %d after the correction was withdrawn, want 1", st.Bad)
	}
	if err := tr.RemoveCorrection("c1"); err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Corrections()); n != 0 {
		t.Errorf("%d corrections left", n)
	}
}

// TestCorrectionsPersist: corrections come back with the state, and
// declaring them again at start (as code that declares its maintenance
// windows does) neither duplicates them nor removes counts twice.
func TestCorrectionsPersist(t *testing.T) {
	clk := budgettest.NewClock(t0)
	store := &state.MemoryStore{}
	weekly := budget.Correction{Start: t0.Add(-time.Hour), End: t0, Recurrence: "FREQ=DAILY;BYHOUR=23", Reason: "nightly"}
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithStore(store, 0))
	if err := tr.AddCorrection(weekly); err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.5}.Run(clk, s, 48*time.Hour)
	want := tr.Status()[0]
	if want.LifetimeExcluded != 2*3600 || want.Total() != 46*3600 {
		t.Fatalf("excluded %d, counted %d; want two nightly hours out", want.LifetimeExcluded, want.Total())
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	tr2, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithStore(store, 0))
	if err := tr2.AddCorrection(weekly); err != nil {
		t.Fatal(err)
	}
	if cs := tr2.Corrections(); len(cs) != 1 || cs[0].ID != "c1" {
		t.Errorf("corrections after restore and redeclaration: %+v", cs)
	}
	got := tr2.Status()[0]
	if got.Good != want.Good || got.Bad != want.Bad || got.LifetimeExcluded != want.LifetimeExcluded {
		t.Errorf("after restore %d/%d/%d, want %d/%d/%d", got.Good, got.Bad, got.LifetimeExcluded, want.Good, want.Bad, want.LifetimeExcluded)
	}
	s2, _ := tr2.Series("api", "")
	at := time.Date(t0.Year(), t0.Month(), t0.Day()+2, 23, 30, 0, 0, time.UTC)
	clk.Set(at)
	s2.Record(sli.Event{Time: at, Outcome: sli.Bad})
	if st := tr2.Status()[0]; st.Bad != want.Bad {
		t.Error("the restored recurring correction does not exclude")
	}
}

func TestRemoveUnknownCorrection(t *testing.T) {
	tr, _ := budget.New([]sli.Objective{availability("api")})
	if err := tr.RemoveCorrection("x"); err == nil || errors.Is(err, budget.ErrClosed) {
		t.Errorf("RemoveCorrection(unknown) = %v", err)
	}
}
