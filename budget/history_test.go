package budget_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

func TestBurnDown(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := budgettest.NewClock(start)
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("a", "")
	// 30 days of one call a second; 10 days in, an hour of 10% errors.
	budgettest.Traffic{Rate: 1}.Run(clk, s, 10*24*time.Hour)
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.1}.Run(clk, s, time.Hour)
	budgettest.Traffic{Rate: 1}.Run(clk, s, 20*24*time.Hour-time.Hour)
	now := clk.Now()

	st := tr.StatusAt(now, budget.WithBurnDown(30))[0]
	bd := st.BurnDown
	if last := bd.Points[len(bd.Points)-1].Bad; last != st.Bad || last != 360 {
		t.Fatalf("burn-down bad %d, status %d", last, st.Bad)
	}
	if !bd.Start.Equal(st.PeriodStart) || !bd.PeriodStart.Equal(st.PeriodStart) || !bd.End.Equal(now) || len(bd.Points) != 31 {
		t.Fatalf("burn-down spans %v–%v in %d points", bd.Start, bd.End, len(bd.Points))
	}
	// 360 bad of 2,592,000 calls against a budget of 2,592 bad.
	want := 1 - 360.0/2592
	for i, p := range bd.Points {
		if !p.Time.Equal(start.Add(time.Duration(i) * 24 * time.Hour)) {
			t.Errorf("point %d at %v", i, p.Time)
		}
		wantBad, wantRem := int64(0), 1.0
		if i >= 11 { // the incident ends on day 10, in the interval of point 11
			wantBad, wantRem = 360, want
		}
		if p.Bad != wantBad || !p.Remaining.Valid || p.Remaining.Value != wantRem {
			t.Errorf("point %d: bad %d remaining %v, want %d %v", i, p.Bad, p.Remaining, wantBad, wantRem)
		}
	}
	if last := bd.Points[30].Remaining; last != st.Remaining {
		t.Errorf("last point %v, status %v", last, st.Remaining)
	}
}

func TestBurnDownNoData(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{{Name: "m", Target: 0.99, Window: sli.CalendarMonth("Europe/Berlin")}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	bd := tr.Status(budget.WithBurnDown(0))[0].BurnDown
	if len(bd.Points) != 2 || bd.Points[0].Remaining.Valid || bd.Points[1].Remaining.Valid {
		t.Fatalf("no data: %+v", bd.Points)
	}
	// A calendar month is drawn month to date: local midnight on the 1st.
	if want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600)); !bd.Start.Equal(want) || !bd.End.Equal(clk.Now()) {
		t.Errorf("spans %v–%v", bd.Start, bd.End)
	}
}

// A tracker that began recently is drawn from its first events, in fine
// buckets, not flat for most of the period.
func TestBurnDownRecentStart(t *testing.T) {
	start := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	clk := budgettest.NewClock(start)
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("a", "")
	// 10 clean minutes, 5 at 10% errors, 5 clean: 2 calls a second.
	budgettest.Traffic{Rate: 2}.Run(clk, s, 10*time.Minute)
	budgettest.Traffic{Rate: 2, ErrorRatio: 0.1}.Run(clk, s, 5*time.Minute)
	budgettest.Traffic{Rate: 2}.Run(clk, s, 5*time.Minute)
	now := clk.Now()
	st := tr.StatusAt(now, budget.WithBurnDown(20))[0]
	bd := st.BurnDown
	if !bd.PeriodStart.Equal(now.Add(-30*24*time.Hour)) || !bd.Start.Equal(start) || !bd.End.Equal(now) {
		t.Fatalf("spans %v–%v, period from %v", bd.Start, bd.End, bd.PeriodStart)
	}
	if last := bd.Points[len(bd.Points)-1].Bad; last != st.Bad || last != 60 {
		t.Fatalf("burn-down bad %d, status %d", last, st.Bad)
	}
	// One point a minute: nothing spent for ten minutes, then 12 bad calls
	// a minute against a budget of 24 (1% of 2,400), then nothing. The
	// failure at each whole minute (09:11:00, …, 09:15:00) opens the next
	// 10-second bucket, so it counts from the next point.
	for i, p := range bd.Points {
		want := int64(0)
		switch {
		case i > 15:
			want = 60
		case i > 10:
			want = int64(i-10)*12 - 1
		}
		if !p.Time.Equal(start.Add(time.Duration(i)*time.Minute)) || p.Bad != want {
			t.Errorf("point %d at %v: %d bad, want %d", i, p.Time, p.Bad, want)
		}
	}
	if last := bd.Points[20].Remaining; last != st.Remaining || last.Value != 1-60.0/24 {
		t.Errorf("last point %v, status %v", last, st.Remaining)
	}
}

// BurnDownOf draws one series' curve after its status: the same curve as
// WithBurnDown's when nothing happened in between, and still ending at
// exactly the status's Remaining when events arrived since (they are left
// out). A group the tracker does not hold is not created.
func TestBurnDownOf(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := budgettest.NewClock(start)
	tr, err := budget.New([]sli.Objective{
		{Name: "a", Target: 0.999},
		{Name: "g", Target: 0.99, GroupBy: "route"},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tr.Series("a", "")
	g, _ := tr.Series("g", "/x")
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.01}.Run(clk, a, 2*time.Hour)
	clk.Set(start)
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.02}.Run(clk, g, 2*time.Hour)
	now := clk.Now()

	sts := tr.StatusAt(now, budget.WithBurnDown(40))
	for i := range sts {
		st := &sts[i]
		bd, ok := tr.BurnDownOf(st, 40)
		if !ok || !bd.Start.Equal(st.BurnDown.Start) || !bd.End.Equal(st.BurnDown.End) || len(bd.Points) != len(st.BurnDown.Points) {
			t.Fatalf("%s: BurnDownOf %v %v–%v (%d points), WithBurnDown %v–%v (%d)", st.Objective.Name, ok, bd.Start, bd.End, len(bd.Points),
				st.BurnDown.Start, st.BurnDown.End, len(st.BurnDown.Points))
		}
		for k, p := range bd.Points {
			if p != st.BurnDown.Points[k] {
				t.Errorf("%s point %d: %+v, WithBurnDown %+v", st.Objective.Name, k, p, st.BurnDown.Points[k])
			}
		}
	}

	// Bad events after the status, at its instant: the curve still ends
	// where the status says.
	st := tr.StatusAt(now)[0]
	a.RecordN(sli.Event{Time: now, Outcome: sli.Bad}, 50)
	bd, _ := tr.BurnDownOf(&st, 40)
	if last := bd.Points[len(bd.Points)-1]; last.Remaining != st.Remaining || last.Bad != st.Bad {
		t.Errorf("after 50 more bad events: ends at %v (%d bad), status %v (%d bad)", last.Remaining, last.Bad, st.Remaining, st.Bad)
	}

	other := st
	other.Group = "/nowhere"
	other.Objective.Name = "g"
	if _, ok := tr.BurnDownOf(&other, 40); ok {
		t.Error("BurnDownOf of a group the tracker does not hold: ok")
	}
	if n := len(tr.SLO("g").AllSeries()); n != 1 {
		t.Errorf("BurnDownOf created a group: %d series", n)
	}
}
