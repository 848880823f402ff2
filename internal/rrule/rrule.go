// Package rrule reads the recurrence rules of budget's recurring
// corrections and lists their occurrences.
//
// A recurring correction repeats its first occurrence [Start, End) by a rule
// in the iCalendar form (RFC 5545 RRULE) that calendars, Google Cloud and
// Nobl9 use for maintenance windows. errbudget reads this subset:
//
//	FREQ      DAILY or WEEKLY (required)
//	INTERVAL  every n days or weeks (default 1)
//	BYDAY     MO,TU,WE,TH,FR,SA,SU, without ordinals (default: Start's weekday
//	          for WEEKLY; every day for DAILY)
//	BYHOUR    0–23, comma-separated (default: Start's hour)
//	BYMINUTE  0–59, comma-separated (default: Start's minute)
//	COUNT     the number of occurrences, Start's included (at most 10000)
//	UNTIL     the last instant an occurrence may start: 20260131T000000Z, or a
//	          date (20260131), meaning that whole day in the correction's zone
//	WKST      the day weeks start on, for INTERVAL > 1 (default MO)
//
// Days, hours and minutes are read in the correction's TimeZone, so a window
// declared for 02:00 Europe/Berlin stays at 02:00 local across daylight
// saving changes. A local time that does not exist that day (a spring-forward
// gap) is resolved as time.Date resolves it. As in RFC 5545, no occurrence
// starts before Start; seconds come from Start. Each occurrence lasts
// End − Start, at most a week.
//
// Example, every Sunday 02:00 to 04:00 in Berlin:
//
//	Correction{
//		Start:      time.Date(2026, 3, 1, 2, 0, 0, 0, berlin),
//		End:        time.Date(2026, 3, 1, 4, 0, 0, 0, berlin),
//		Recurrence: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2",
//		TimeZone:   "Europe/Berlin",
//		Reason:     "weekly database maintenance",
//	}
package rrule

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/internal/window"
)

const (
	maxRecurDays     = 100 * 366 // how far COUNT may reach
	maxRecurCount    = 10000
	maxRecurDuration = 7 * 24 * time.Hour
	day              = 24 * time.Hour
)

// Rule is a parsed rule. It is immutable once built; occurrence tests
// allocate nothing, so the recording path may use them.
type Rule struct {
	weekly   bool
	interval int64
	days     uint8 // bit per time.Weekday
	hours    []int
	minutes  []int
	second   int
	wkst     time.Weekday
	loc      *time.Location
	dur      int64 // nanoseconds
	first    int64 // Start, nanoseconds
	last     int64 // the latest start an occurrence may have (COUNT, UNTIL)
	day0     int64 // civil day number of Start in loc
}

var weekdayCodes = map[string]time.Weekday{
	"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday,
	"TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday,
}

// Parse parses rule for a first occurrence [start, end) read in loc.
// It reports every problem at once.
func Parse(rule string, start, end time.Time, loc *time.Location) (*Rule, error) {
	r := &Rule{interval: 1, wkst: time.Monday, loc: loc, dur: int64(end.Sub(start)), first: start.UnixNano(), last: maxInt64}
	ls := start.In(loc)
	r.second = ls.Second()
	r.day0 = civilDay(ls.Date())
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if d := end.Sub(start); d > maxRecurDuration {
		bad("an occurrence lasts %v, more than the %v a recurring correction allows", d, maxRecurDuration)
	}
	if ls.Nanosecond() != 0 {
		bad("start %v has a fraction of a second", start)
	}
	rule = strings.TrimPrefix(strings.TrimSpace(rule), "RRULE:")
	seen := map[string]bool{}
	var count int
	var until string
	for _, part := range strings.Split(rule, ";") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		v = strings.ToUpper(strings.TrimSpace(v))
		if !ok || v == "" {
			bad("%q is not NAME=VALUE", part)
			continue
		}
		if seen[k] {
			bad("%s is given twice", k)
			continue
		}
		seen[k] = true
		switch k {
		case "FREQ":
			switch v {
			case "DAILY":
			case "WEEKLY":
				r.weekly = true
			default:
				bad("FREQ=%s is not supported (DAILY or WEEKLY)", v)
			}
		case "INTERVAL":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				bad("INTERVAL=%s must be an integer in [1, 1000]", v)
			}
			r.interval = int64(n)
		case "BYDAY":
			for _, d := range strings.Split(v, ",") {
				wd, ok := weekdayCodes[d]
				if !ok {
					bad("BYDAY: %q is not one of MO TU WE TH FR SA SU (ordinals such as 1MO are not supported)", d)
					continue
				}
				r.days |= 1 << wd
			}
		case "BYHOUR":
			r.hours = parseInts(v, 0, 23, "BYHOUR", bad)
		case "BYMINUTE":
			r.minutes = parseInts(v, 0, 59, "BYMINUTE", bad)
		case "COUNT":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxRecurCount {
				bad("COUNT=%s must be an integer in [1, %d]", v, maxRecurCount)
			}
			count = n
		case "UNTIL":
			until = v
		case "WKST":
			wd, ok := weekdayCodes[v]
			if !ok {
				bad("WKST=%s is not a weekday code", v)
			}
			r.wkst = wd
		default:
			bad("%s is not supported (FREQ, INTERVAL, BYDAY, BYHOUR, BYMINUTE, COUNT, UNTIL, WKST are)", k)
		}
	}
	if !seen["FREQ"] {
		bad("FREQ is required")
	}
	if count > 0 && until != "" {
		bad("COUNT and UNTIL are exclusive")
	}
	if per := int64(1 + 6*b2i(r.weekly)); int64(count)*r.interval*per > maxRecurDays {
		bad("COUNT=%d × INTERVAL=%d reaches more than %d years ahead", count, r.interval, maxRecurDays/366)
	}
	if until != "" {
		if t, err := time.Parse("20060102T150405Z", until); err == nil {
			r.last = t.UnixNano()
		} else if t, err := time.ParseInLocation("20060102", until, loc); err == nil {
			r.last = t.AddDate(0, 0, 1).UnixNano() - 1
		} else {
			bad("UNTIL=%s is neither YYYYMMDDTHHMMSSZ nor YYYYMMDD", until)
		}
	}
	if len(r.hours) == 0 {
		r.hours = []int{ls.Hour()}
	}
	if len(r.minutes) == 0 {
		r.minutes = []int{ls.Minute()}
	}
	if r.weekly && r.days == 0 {
		r.days = 1 << ls.Weekday()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Look for the occurrences no further than COUNT may reach: a rule
	// that never matches (DAILY;INTERVAL=7 with a BYDAY other than Start's
	// weekday) would otherwise be searched for ever.
	n, last := 0, int64(0)
	r.Each(r.first, satAdd(r.first, int64(maxRecurDays+8)*int64(day)), func(s int64) bool {
		n++
		last = s
		return n < max(count, 1)
	})
	if n == 0 {
		return nil, fmt.Errorf("the rule has no occurrence within %d years of start %v", maxRecurDays/366, start)
	}
	if count > 0 {
		r.last = last
	}
	return r, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func parseInts(v string, lo, hi int, name string, bad func(string, ...any)) []int {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < lo || n > hi {
			bad("%s: %q must be an integer in [%d, %d]", name, f, lo, hi)
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

const maxInt64 = int64(^uint64(0) >> 1)

// minNanoTime and maxNanoTime bound the instants Unix nanoseconds can hold
// (1677 to 2262).
var (
	minNanoTime = time.Unix(0, -maxInt64-1)
	maxNanoTime = time.Unix(0, maxInt64)
)

// Duration returns how long each occurrence lasts, in nanoseconds.
func (r *Rule) Duration() int64 { return r.dur }

// Location returns the zone the rule's days and hours are read in.
func (r *Rule) Location() *time.Location { return r.loc }

func floorDiv(a, b int64) int64 { return window.FloorDiv(a, b) }

// civilDay numbers calendar dates consecutively (days since 1970-01-01).
func civilDay(y int, m time.Month, d int) int64 {
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// weekdayOf returns the weekday of the civil day cd.
func weekdayOf(cd int64) time.Weekday {
	return time.Weekday(((cd+4)%7 + 7) % 7) // 1970-01-01 was a Thursday
}

// satAdd adds without overflowing past maxInt64.
func satAdd(a, b int64) int64 {
	if b > 0 && a > maxInt64-b {
		return maxInt64
	}
	return a + b
}

// matchesDay reports whether the rule has occurrences on the civil day cd,
// whose weekday is wd.
func (r *Rule) matchesDay(cd int64, wd time.Weekday) bool {
	if cd < r.day0 {
		return false
	}
	if r.days != 0 && r.days&(1<<wd) == 0 {
		return false
	}
	if r.interval == 1 {
		return true
	}
	if !r.weekly {
		return (cd-r.day0)%r.interval == 0
	}
	// Weeks begin on wkst; 1970-01-01 was a Thursday.
	off := (int64(time.Thursday) - int64(r.wkst) + 7) % 7
	return (floorDiv(cd+off, 7)-floorDiv(r.day0+off, 7))%r.interval == 0
}

// Each calls fn with the start (ns) of every occurrence that overlaps
// [from, to), in order, until fn returns false.
func (r *Rule) Each(from, to int64, fn func(start int64) bool) {
	if to <= r.first || from >= satAdd(r.last, r.dur) {
		return
	}
	lo := max(from-r.dur, r.first)
	d := time.Unix(0, lo).In(r.loc).AddDate(0, 0, -1) // a day early: DST shifts
	y, m, dd := d.Date()
	var ds []int64 // one day's starts
	for {
		// Every occurrence of a day starts after its midnight; a day's
		// margin covers zones whose midnight a DST change skips. Beyond
		// 2262 Unix nanoseconds overflow: nothing is found there.
		mt := time.Date(y, m, dd, 0, 0, 0, 0, r.loc)
		if mt.After(maxNanoTime) {
			return
		}
		if mn := mt.UnixNano(); mn >= satAdd(to, int64(day)) || mn > satAdd(r.last, int64(day)) {
			return
		}
		if cd := civilDay(y, m, dd); r.matchesDay(cd, weekdayOf(cd)) {
			// A local time in a spring-forward gap resolves to a later
			// hour, possibly one the rule names too: sort, and count an
			// instant once (RFC 5545 ignores duplicate instances).
			ds = ds[:0]
			for _, h := range r.hours {
				for _, mi := range r.minutes {
					ds = append(ds, time.Date(y, m, dd, h, mi, r.second, 0, r.loc).UnixNano())
				}
			}
			slices.Sort(ds)
			for k, s := range ds {
				if (k > 0 && s == ds[k-1]) || s < r.first || s > r.last {
					continue
				}
				if s < to && s+r.dur > from && !fn(s) {
					return
				}
			}
		}
		dd++
		// Normalise through time.Date so month ends roll over.
		y, m, dd = time.Date(y, m, dd, 12, 0, 0, 0, time.UTC).Date()
	}
}

// Covers reports whether an occurrence contains the instant ns. It
// allocates nothing.
func (r *Rule) Covers(ns int64) bool {
	if ns < r.first || ns >= satAdd(r.last, r.dur) {
		return false
	}
	t := time.Unix(0, ns).In(r.loc)
	// Occurrences last at most a week: look back over eight days.
	for k := 0; k <= 8; k++ {
		y, m, dd := t.AddDate(0, 0, -k).Date()
		cd := civilDay(y, m, dd)
		if !r.matchesDay(cd, weekdayOf(cd)) {
			continue
		}
		for _, h := range r.hours {
			for _, mi := range r.minutes {
				s := time.Date(y, m, dd, h, mi, r.second, 0, r.loc).UnixNano()
				if s >= r.first && s <= r.last && s <= ns && ns < s+r.dur {
					return true
				}
			}
		}
	}
	return false
}
