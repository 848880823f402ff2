package rrule

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	return l
}

// starts lists the occurrence starts in [from, to) as local "2006-01-02 15:04".
func starts(r *Rule, from, to time.Time) []string {
	var out []string
	r.Each(from.UnixNano(), to.UnixNano(), func(s int64) bool {
		out = append(out, time.Unix(0, s).In(r.loc).Format("2006-01-02 15:04 Mon"))
		return true
	})
	return out
}

func TestRecurrenceOccurrences(t *testing.T) {
	utc := time.UTC
	ny := mustLoad(t, "America/New_York")
	kathmandu := mustLoad(t, "Asia/Kathmandu")
	at := func(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
		return time.Date(y, m, d, h, mi, 0, 0, loc)
	}
	cases := []struct {
		rule     string
		start    time.Time
		dur      time.Duration
		from, to time.Time
		want     string
	}{
		{"FREQ=DAILY", at(utc, 2026, 1, 30, 22, 0), time.Hour, at(utc, 2026, 1, 1, 0, 0), at(utc, 2026, 2, 3, 0, 0),
			"2026-01-30 22:00 Fri|2026-01-31 22:00 Sat|2026-02-01 22:00 Sun|2026-02-02 22:00 Mon"},
		{"FREQ=DAILY;INTERVAL=2;COUNT=3", at(utc, 2026, 1, 1, 5, 0), time.Hour, at(utc, 2025, 1, 1, 0, 0), at(utc, 2027, 1, 1, 0, 0),
			"2026-01-01 05:00 Thu|2026-01-03 05:00 Sat|2026-01-05 05:00 Mon"},
		{"FREQ=DAILY;BYDAY=MO,FR;BYHOUR=6,18;BYMINUTE=30", at(utc, 2026, 3, 2, 0, 0), time.Hour, at(utc, 2026, 3, 1, 0, 0), at(utc, 2026, 3, 7, 0, 0),
			"2026-03-02 06:30 Mon|2026-03-02 18:30 Mon|2026-03-06 06:30 Fri|2026-03-06 18:30 Fri"},
		{"RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260312", at(utc, 2026, 3, 3, 9, 0), time.Hour, at(utc, 2026, 1, 1, 0, 0), at(utc, 2026, 6, 1, 0, 0),
			"2026-03-03 09:00 Tue|2026-03-05 09:00 Thu|2026-03-10 09:00 Tue|2026-03-12 09:00 Thu"},
		{"FREQ=WEEKLY;UNTIL=20260310T090000Z", at(utc, 2026, 3, 3, 9, 0), time.Hour, at(utc, 2026, 1, 1, 0, 0), at(utc, 2026, 6, 1, 0, 0),
			"2026-03-03 09:00 Tue|2026-03-10 09:00 Tue"},
		// Every other week, weeks starting Monday: the Sunday ends the first
		// week, so the next Saturday/Sunday pair is two weeks on.
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU", at(utc, 2026, 3, 1, 0, 0), time.Hour, at(utc, 2026, 3, 1, 0, 0), at(utc, 2026, 3, 30, 0, 0),
			"2026-03-01 00:00 Sun|2026-03-14 00:00 Sat|2026-03-15 00:00 Sun|2026-03-28 00:00 Sat|2026-03-29 00:00 Sun"},
		// The same with weeks starting Sunday: the Sunday opens a week.
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;WKST=SU", at(utc, 2026, 3, 1, 0, 0), time.Hour, at(utc, 2026, 3, 1, 0, 0), at(utc, 2026, 3, 30, 0, 0),
			"2026-03-01 00:00 Sun|2026-03-07 00:00 Sat|2026-03-15 00:00 Sun|2026-03-21 00:00 Sat|2026-03-29 00:00 Sun"},
		// Local time holds across daylight saving (8 March 2026 in New York).
		{"FREQ=WEEKLY;BYDAY=SA", at(ny, 2026, 2, 28, 23, 0), 2 * time.Hour, at(utc, 2026, 2, 27, 0, 0), at(utc, 2026, 3, 16, 0, 0),
			"2026-02-28 23:00 Sat|2026-03-07 23:00 Sat|2026-03-14 23:00 Sat"},
		// A +05:45 zone.
		{"FREQ=DAILY;COUNT=2", at(kathmandu, 2026, 5, 1, 0, 15), time.Hour, at(utc, 2026, 1, 1, 0, 0), at(utc, 2027, 1, 1, 0, 0),
			"2026-05-01 00:15 Fri|2026-05-02 00:15 Sat"},
		// Overlap: an occurrence that started before from but lasts into it.
		{"FREQ=DAILY", at(utc, 2026, 1, 1, 23, 0), 3 * time.Hour, at(utc, 2026, 1, 5, 1, 0), at(utc, 2026, 1, 5, 2, 0),
			"2026-01-04 23:00 Sun"},
		// Month and year ends roll over.
		{"FREQ=DAILY;INTERVAL=15", at(utc, 2025, 12, 20, 0, 0), time.Hour, at(utc, 2025, 12, 1, 0, 0), at(utc, 2026, 3, 1, 0, 0),
			"2025-12-20 00:00 Sat|2026-01-04 00:00 Sun|2026-01-19 00:00 Mon|2026-02-03 00:00 Tue|2026-02-18 00:00 Wed"},
	}
	for _, c := range cases {
		r, err := Parse(c.rule, c.start, c.start.Add(c.dur), c.start.Location())
		if err != nil {
			t.Errorf("%s: %v", c.rule, err)
			continue
		}
		if got := strings.Join(starts(r, c.from, c.to), "|"); got != c.want {
			t.Errorf("%s from %v:\n got %s\nwant %s", c.rule, c.start, got, c.want)
		}
	}
}

func TestRecurrenceErrors(t *testing.T) {
	start := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	for rule, want := range map[string]string{
		"":                                      "FREQ is required",
		"FREQ=MONTHLY":                          "FREQ=MONTHLY is not supported",
		"FREQ=WEEKLY;BYDAY=1MO":                 "ordinals",
		"FREQ=WEEKLY;BYDAY=XX":                  "not one of",
		"FREQ=DAILY;BYHOUR=24":                  "BYHOUR",
		"FREQ=DAILY;BYMINUTE=-1":                "BYMINUTE",
		"FREQ=DAILY;INTERVAL=0":                 "INTERVAL",
		"FREQ=DAILY;COUNT=2;UNTIL=20260101":     "exclusive",
		"FREQ=DAILY;UNTIL=tomorrow":             "UNTIL",
		"FREQ=DAILY;BYSETPOS=1":                 "BYSETPOS is not supported",
		"FREQ=DAILY;FREQ=WEEKLY":                "given twice",
		"FREQ=DAILY;WKST=XX":                    "WKST",
		"FREQ":                                  "NAME=VALUE",
		"FREQ=WEEKLY;COUNT=10000;INTERVAL=1000": "years ahead",
	} {
		_, err := Parse(rule, start, start.Add(time.Hour), time.UTC)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want one mentioning %q", rule, err, want)
		}
	}
	// Every problem at once.
	_, err := Parse("FREQ=YEARLY;BYHOUR=99", start, start.Add(8*24*time.Hour), time.UTC)
	if err == nil || !strings.Contains(err.Error(), "YEARLY") || !strings.Contains(err.Error(), "BYHOUR") || !strings.Contains(err.Error(), "more than") {
		t.Errorf("err %v, want all three problems", err)
	}
}

// TestRecurrenceCoversAgreesWithEach: the recording path's test (covers)
// and the list of occurrences (each) agree at random instants.
func TestRecurrenceCoversAgreesWithEach(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	t.Logf("seed PCG(1, 2)")
	rng := rand.New(rand.NewPCG(1, 2))
	rules := []string{
		"FREQ=WEEKLY;BYDAY=SU;BYHOUR=2",
		"FREQ=DAILY;INTERVAL=3;BYHOUR=1,13;BYMINUTE=0,30",
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SA;COUNT=9",
		"FREQ=DAILY;UNTIL=20260401T000000Z",
	}
	start := time.Date(2026, 2, 1, 2, 0, 0, 0, berlin)
	for _, rule := range rules {
		for _, dur := range []time.Duration{time.Minute, 2 * time.Hour, 50 * time.Hour} {
			r, err := Parse(rule, start, start.Add(dur), berlin)
			if err != nil {
				t.Fatal(err)
			}
			from := start.Add(-30 * 24 * time.Hour).UnixNano()
			to := start.Add(200 * 24 * time.Hour).UnixNano()
			var spans [][2]int64
			r.Each(from, to, func(s int64) bool { spans = append(spans, [2]int64{s, s + r.dur}); return true })
			if len(spans) == 0 {
				t.Fatalf("%s: no occurrences", rule)
			}
			probe := func(ns int64) {
				want := false
				for _, sp := range spans {
					if ns >= sp[0] && ns < sp[1] {
						want = true
					}
				}
				if got := r.Covers(ns); got != want {
					t.Errorf("%s (%v): covers(%v) = %v, want %v", rule, dur, time.Unix(0, ns).In(berlin), got, want)
				}
			}
			for range 3000 {
				probe(from + rng.Int64N(to-from-int64(60*24*time.Hour)))
			}
			for _, sp := range spans[:min(len(spans), 50)] {
				probe(sp[0])
				probe(sp[0] - 1)
				probe(sp[1])
				probe(sp[1] - 1)
			}
		}
	}
}
