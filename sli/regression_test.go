package sli_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

func TestRegressionBoundsNonexistentMidnight(t *testing.T) {
	w := sli.CalendarMonth("America/Asuncion")
	loc, _ := w.Location()
	now := time.Date(2023, 10, 1, 3, 30, 0, 0, time.UTC) // Sep 30 23:30 -04, before the 00:00→01:00 jump
	s, e := w.Bounds(now, loc)
	if now.Before(s) || !now.Before(e) {
		t.Fatalf("now %v outside its own period [%v, %v)", now.In(loc), s, e)
	}
}
