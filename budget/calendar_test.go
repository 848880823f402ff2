package budget_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// Events just before and after local midnight at the end of a month land in
// their own month: in zones with odd offsets, across DST and a 29 February.
func TestCalendarMonthEdges(t *testing.T) {
	cases := []struct {
		zone       string
		last       time.Time // local 23:59:59.999 on the last day of a month
		wantLength time.Duration
	}{
		// March 2026 in Berlin loses an hour to DST on the 29th.
		{"Europe/Berlin", date("Europe/Berlin", 2026, 3, 31), 31*24*time.Hour - time.Hour},
		// October 2026 in Berlin gains it back.
		{"Europe/Berlin", date("Europe/Berlin", 2026, 10, 31), 31*24*time.Hour + time.Hour},
		// A leap February, in a zone with a 45-minute offset.
		{"Asia/Kathmandu", date("Asia/Kathmandu", 2028, 2, 29), 29 * 24 * time.Hour},
		// Half-hour DST shift, and the month ends on the shift's weekend.
		{"Australia/Lord_Howe", date("Australia/Lord_Howe", 2026, 4, 30), 30*24*time.Hour + 30*time.Minute},
		// West of UTC (-03:30), so the local month ends on the next UTC day;
		// DST ends on 1 November.
		{"America/St_Johns", date("America/St_Johns", 2026, 11, 30), 30*24*time.Hour + time.Hour},
	}
	for _, c := range cases {
		t.Run(c.zone+"/"+c.last.Format("2006-01"), func(t *testing.T) {
			clk := budgettest.NewClock(c.last.Add(-time.Hour))
			tr, err := budget.New([]sli.Objective{{
				Name: "monthly", Target: 0.99, Window: sli.CalendarMonth(c.zone),
			}}, budget.WithClock(clk.Now))
			if err != nil {
				t.Fatal(err)
			}
			s, _ := tr.Series("monthly", "")
			before := c.last                      // the old month's last instant
			after := c.last.Add(time.Millisecond) // the new month's first
			later := after.Add(15*time.Minute + time.Second)
			clk.Set(before)
			s.Record(sli.Event{Time: before, Outcome: sli.Bad})
			st := tr.Status()[0]
			if st.Bad != 1 || st.Good != 0 {
				t.Fatalf("at %v: %d good %d bad, want the bad event in the old month", before, st.Good, st.Bad)
			}
			if got := st.PeriodEnd.Sub(st.PeriodStart); got != c.wantLength {
				t.Errorf("old month is %v long, want %v", got, c.wantLength)
			}
			if !st.PeriodEnd.Equal(after) {
				t.Errorf("old month ends %v, want %v", st.PeriodEnd, after)
			}
			clk.Set(after)
			s.Record(sli.Event{Time: after, Outcome: sli.Good})
			clk.Set(later)
			s.Record(sli.Event{Time: later, Outcome: sli.Good})
			st = tr.Status()[0]
			if st.Good != 2 || st.Bad != 0 {
				t.Fatalf("in the new month: %d good %d bad, want 2 good 0 bad", st.Good, st.Bad)
			}
			if !st.PeriodStart.Equal(after) {
				t.Errorf("new month starts %v, want %v", st.PeriodStart, after)
			}
			// The rolling windows do not care about the month.
			if b := st.BurnRates[0]; b.Window != "5m" || b.Good != 1 {
				t.Errorf("5m window: %+v, want 1 good", b)
			}
			if b := st.BurnRates[2]; b.Window != "1h" || b.Good != 2 || b.Bad != 1 {
				t.Errorf("1h window: %+v, want 2 good 1 bad across the month edge", b)
			}
		})
	}
}

func date(zone string, y int, m time.Month, d int) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	return time.Date(y, m, d, 23, 59, 59, 999_000_000, loc)
}
