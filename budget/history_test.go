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

	bd := s.BurnDownAt(now, 30)
	st := tr.StatusAt(now)[0]
	if bd.Good != st.Good || bd.Bad != st.Bad || bd.Bad != 360 {
		t.Fatalf("burn-down counts %d/%d, status %d/%d", bd.Good, bd.Bad, st.Good, st.Bad)
	}
	if !bd.Start.Equal(st.PeriodStart) || !bd.End.Equal(now) || len(bd.Points) != 31 {
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
	if all := tr.BurnDownsAt(now, 30); len(all) != 1 || all[0].Points[30] != bd.Points[30] {
		t.Errorf("BurnDownsAt: %+v", all)
	}
}

func TestBurnDownNoData(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{{Name: "m", Target: 0.99, Window: sli.CalendarMonth("Europe/Berlin")}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("m", "")
	bd := s.BurnDownAt(clk.Now(), 0)
	if len(bd.Points) != 2 || bd.Points[0].Remaining.Valid || bd.Points[1].Remaining.Valid {
		t.Fatalf("no data: %+v", bd.Points)
	}
	// A calendar month is drawn month to date: local midnight on the 1st.
	if want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600)); !bd.Start.Equal(want) || !bd.End.Equal(clk.Now()) {
		t.Errorf("spans %v–%v", bd.Start, bd.End)
	}
}
