package sli

import (
	"fmt"
	"time"
)

// DefaultWindow is the rolling window of an objective that declares none.
const DefaultWindow = 30 * 24 * time.Hour

// Calendar names a calendar period for calendar-aligned windows.
type Calendar string

// Month is the calendar month in the window's time zone.
const Month Calendar = "month"

// Window is the period an objective's target applies to: a rolling window of
// fixed length ending now, or the current calendar month in an IANA time zone
// (the budget starts afresh at local midnight on the first of each month).
//
// The zero value is a 30-day rolling window.
type Window struct {
	// Rolling is the length of a rolling window; zero means DefaultWindow
	// unless Calendar is set. At most MaxRolling.
	Rolling time.Duration
	// Calendar, when Month, makes the window the current calendar month.
	Calendar Calendar
	// TimeZone is the IANA zone of a calendar window ("Europe/Berlin");
	// empty means UTC.
	TimeZone string
}

// Rolling returns a rolling window of length d.
func Rolling(d time.Duration) Window { return Window{Rolling: d} }

// CalendarMonth returns the calendar-month window in the IANA zone tz.
func CalendarMonth(tz string) Window { return Window{Calendar: Month, TimeZone: tz} }

// IsCalendar reports whether w is calendar-aligned.
func (w Window) IsCalendar() bool { return w.Calendar != "" }

// Location loads the window's time zone (UTC when empty).
func (w Window) Location() (*time.Location, error) {
	if w.TimeZone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(w.TimeZone)
}

// Bounds returns the period that contains now: [now − Rolling, now] for a
// rolling window, the calendar month [first of the month, first of the next)
// for a calendar window. loc is the window's zone (from Location); nil
// means UTC.
func (w Window) Bounds(now time.Time, loc *time.Location) (start, end time.Time) {
	if !w.IsCalendar() {
		return now.Add(-w.rolling()), now
	}
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	return monthStart(l.Year(), l.Month(), loc), monthStart(l.Year(), l.Month()+1, loc)
}

// monthStart is the first instant of the month's first day in loc, also when
// a DST change skips its midnight and time.Date answers with the day before.
func monthStart(y int, m time.Month, loc *time.Location) time.Time {
	t := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	if t.Day() != 1 {
		_, t = t.ZoneBounds()
	}
	return t
}

// Length is the length of the period that contains now: Rolling, or the
// actual length of the calendar month (28 to 31 days, give or take a DST
// hour).
func (w Window) Length(now time.Time, loc *time.Location) time.Duration {
	s, e := w.Bounds(now, loc)
	return e.Sub(s)
}

// MaxLength is the longest the window can be: its rolling length, or 31 days
// and an hour for a calendar month.
func (w Window) MaxLength() time.Duration {
	if w.IsCalendar() {
		return 31*24*time.Hour + time.Hour
	}
	return w.rolling()
}

// rolling is the length of a rolling window, DefaultWindow when unset.
func (w Window) rolling() time.Duration {
	if w.Rolling == 0 {
		return DefaultWindow
	}
	return w.Rolling
}

// String returns "720h" for a rolling window and "month Europe/Berlin" for a
// calendar one.
func (w Window) String() string {
	if w.IsCalendar() {
		tz := w.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		return string(w.Calendar) + " " + tz
	}
	return w.rolling().String()
}

func (w Window) problems() []string {
	var p []string
	switch {
	case w.IsCalendar():
		if w.Calendar != Month {
			p = append(p, fmt.Sprintf("calendar window must be %q, got %q", Month, w.Calendar))
		}
		if w.Rolling != 0 {
			p = append(p, "a window is either rolling or calendar, not both")
		}
		if _, err := w.Location(); err != nil {
			p = append(p, fmt.Sprintf("time zone %q: %v", w.TimeZone, err))
		}
	case w.Rolling < 0:
		p = append(p, fmt.Sprintf("window must be positive, got %v", w.Rolling))
	case w.Rolling != 0 && w.Rolling < time.Hour:
		p = append(p, fmt.Sprintf("window must be at least 1h, got %v", w.Rolling))
	case w.Rolling > MaxRolling:
		p = append(p, fmt.Sprintf("window must be at most %v, got %v", MaxRolling, w.Rolling))
	case w.TimeZone != "":
		p = append(p, "a time zone applies only to calendar windows")
	}
	return p
}
