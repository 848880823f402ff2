package rrule

import (
	"testing"
	"time"
)

// TestRegressionCountWithoutOccurrencesDoesNotHang: a DAILY rule whose INTERVAL
// is a multiple of 7 only ever lands on Start's weekday; with a BYDAY that
// excludes it, the rule has no occurrence at all. With COUNT, parsing must
// still return (an error or an empty rule), not loop for ever.
func TestRegressionCountWithoutOccurrencesDoesNotHang(t *testing.T) {
	start := time.Date(2026, 3, 3, 2, 0, 0, 0, time.UTC) // a Tuesday
	// A parse that never returns fails at go test's -timeout, which names
	// this test: no margin of our own to miss on a loaded machine.
	_, err := Parse("FREQ=DAILY;INTERVAL=7;BYDAY=MO;COUNT=2", start, start.Add(time.Hour), time.UTC)
	t.Logf("parse returned %v", err)
}

// TestRegressionRFC5545WeeklyWkst: RFC 5545's own example of WKST.
func TestRegressionRFC5545WeeklyWkst(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	start := time.Date(1997, 8, 5, 9, 0, 0, 0, ny)
	for rule, want := range map[string]string{
		"FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO": "1997-08-05 09:00 Tue|1997-08-10 09:00 Sun|1997-08-19 09:00 Tue|1997-08-24 09:00 Sun",
		"FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU": "1997-08-05 09:00 Tue|1997-08-17 09:00 Sun|1997-08-19 09:00 Tue|1997-08-31 09:00 Sun",
	} {
		r, err := Parse(rule, start, start.Add(time.Hour), ny)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for i, s := range starts(r, start.AddDate(0, -1, 0), start.AddDate(1, 0, 0)) {
			if i > 0 {
				got += "|"
			}
			got += s
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", rule, got, want)
		}
	}
}

// TestRegressionSpringForwardNoDuplicates: on the day clocks spring forward,
// 02:30 does not exist and resolves to 03:30, the same instant as BYHOUR=3.
// An instant is one occurrence (RFC 5545 counts duplicates once), listed
// in order, and COUNT counts it once.
func TestRegressionSpringForwardNoDuplicates(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	start := time.Date(2026, 3, 28, 2, 30, 0, 0, berlin)
	r, err := Parse("FREQ=DAILY;BYHOUR=2,3;BYMINUTE=0,30;COUNT=6", start, start.Add(10*time.Minute), berlin)
	if err != nil {
		t.Fatal(err)
	}
	var prev int64
	n := 0
	r.Each(start.UnixNano(), start.AddDate(0, 0, 5).UnixNano(), func(s int64) bool {
		n++
		if s <= prev {
			t.Errorf("occurrence %v not after the previous one %v", time.Unix(0, s).In(berlin), time.Unix(0, prev).In(berlin))
		}
		prev = s
		return true
	})
	if n != 6 {
		t.Errorf("%d occurrences, want COUNT=6", n)
	}
}
