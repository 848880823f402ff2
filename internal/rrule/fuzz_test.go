package rrule

import (
	"testing"
	"time"
)

// FuzzParse feeds the recurrence-rule parser arbitrary rules,
// starts, durations and zones (a rule comes from outside: a declaration
// file, an API call, a saved state). It must never panic; a rule it
// accepts must describe occurrences that each lists in order, within
// [first, last], each lasting the declared duration, and that covers agrees
// with, instant by instant, at the edges of every occurrence listed in a
// three-week span.
//
//	go test ./internal/rrule -run '^$' -fuzz FuzzParse -fuzztime 2m
func FuzzParse(f *testing.F) {
	for _, rule := range []string{
		"FREQ=DAILY", "FREQ=WEEKLY", "RRULE:FREQ=WEEKLY;BYDAY=SU;BYHOUR=2",
		"FREQ=DAILY;INTERVAL=2;COUNT=3", "FREQ=DAILY;BYDAY=MO,FR;BYHOUR=6,18;BYMINUTE=30",
		"FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20260312", "FREQ=WEEKLY;UNTIL=20260310T090000Z",
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;WKST=SU", "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
		"FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,30",
		"FREQ=MONTHLY", "COUNT=0", "FREQ=DAILY;;BYHOUR=25", "FREQ=DAILY;COUNT=10000;INTERVAL=1000",
		"FREQ=WEEKLY;BYDAY=1MO", "freq=daily;byhour=2, 3", "FREQ=DAILY;UNTIL=19700101",
	} {
		f.Add(rule, int64(1772416800), int64(2*3600), uint8(0))
		f.Add(rule, int64(1774749600), int64(90*60), uint8(1)) // a DST Sunday in Berlin
	}
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham"}
	f.Fuzz(func(t *testing.T, rule string, startSec, durSec int64, zone uint8) {
		if len(rule) > 400 {
			return
		}
		loc, err := time.LoadLocation(zones[int(zone)%len(zones)])
		if err != nil {
			t.Skip(err)
		}
		// Starts between 1970 and 2200, whole seconds; durations up to
		// eight days, so that the parser's own limit is exercised.
		start := time.Unix(startSec%(230*365*86400), 0)
		if startSec < 0 {
			start = time.Unix(-startSec%(230*365*86400), 0)
		}
		dur := time.Duration(durSec%(8*86400)) * time.Second
		if dur <= 0 {
			dur = time.Second
		}
		r, err := Parse(rule, start, start.Add(dur), loc)
		if err != nil {
			if r != nil {
				t.Fatalf("error %v with a recurrence", err)
			}
			return
		}
		if dur > maxRecurDuration {
			t.Fatalf("accepted an occurrence of %v", dur)
		}
		if r.dur != int64(dur) || r.first != start.UnixNano() || r.last < r.first {
			t.Fatalf("dur %d first %d last %d for start %v dur %v", r.dur, r.first, r.last, start, dur)
		}
		// A span around the first occurrence and one a year on.
		for _, from := range []int64{r.first - int64(day), r.first + 365*int64(day)} {
			to := from + 21*int64(day)
			prev := int64(-1 << 63)
			n := 0
			r.Each(from, to, func(s int64) bool {
				n++
				if s <= prev {
					t.Fatalf("%q: occurrence %v listed after %v", rule, time.Unix(0, s), time.Unix(0, prev))
				}
				prev = s
				if s < r.first || s > r.last {
					t.Fatalf("%q: occurrence %v outside [%v, %v]", rule, time.Unix(0, s), time.Unix(0, r.first), time.Unix(0, r.last))
				}
				if s >= to || s+r.dur <= from {
					t.Fatalf("%q: occurrence %v does not overlap the span asked for", rule, time.Unix(0, s))
				}
				for _, ns := range []int64{s, s + r.dur - 1} {
					if !r.Covers(ns) {
						t.Fatalf("%q (start %v, %v, %v): covers(%v) = false inside an occurrence", rule, start.In(loc), dur, loc, time.Unix(0, ns).In(loc))
					}
				}
				return n < 200
			})
			if n == 0 || n >= 200 {
				continue
			}
			// Between the occurrences listed, nothing is covered: check the
			// instant before each start and after each end, unless another
			// occurrence listed covers it.
			var spans [][2]int64
			r.Each(from, to, func(s int64) bool { spans = append(spans, [2]int64{s, s + r.dur}); return true })
			inAny := func(ns int64) bool {
				for _, sp := range spans {
					if sp[0] <= ns && ns < sp[1] {
						return true
					}
				}
				return false
			}
			for _, sp := range spans {
				for _, ns := range []int64{sp[0] - 1, sp[1]} {
					if ns < from || ns >= to {
						continue // an occurrence not listed may cover it
					}
					if r.Covers(ns) != inAny(ns) {
						t.Fatalf("%q (start %v, %v, %v): covers(%v) = %v, the occurrences listed say %v", rule, start.In(loc), dur, loc, time.Unix(0, ns).In(loc), r.Covers(ns), inAny(ns))
					}
				}
			}
		}
	})
}
