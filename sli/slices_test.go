package sli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

func TestSliceDeclarations(t *testing.T) {
	ok := []sli.Objective{
		{Name: "minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95},
		{Name: "five", Target: 0.99, Budgeting: sli.Timeslices, SliceWidth: 5 * time.Minute, SliceTarget: 1, EmptySlices: sli.EmptyBad},
		{Name: "ratio", Target: 0.99, Budgeting: sli.RatioTimeslices, EmptySlices: sli.EmptySkipped},
		{Name: "p95", Kind: sli.Latency, Threshold: time.Second, Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95, Window: sli.CalendarMonth("Europe/Berlin")},
		{Name: "week", Target: 0.9995, Budgeting: sli.Timeslices, SliceTarget: 0.95, Window: sli.Rolling(7 * 24 * time.Hour)},
	}
	for _, o := range ok {
		if err := o.Validate(); err != nil {
			t.Errorf("%s: %v", o.Name, err)
		}
	}
	bad := []struct {
		o    sli.Objective
		want string
	}{
		{sli.Objective{Name: "a", Target: 0.99, Budgeting: sli.Timeslices}, "needs a slice target in (0,1], got 0"},
		{sli.Objective{Name: "a", Target: 0.99, Budgeting: sli.Timeslices, SliceTarget: 1.5}, "got 1.5"},
		{sli.Objective{Name: "a", Target: 0.99, Budgeting: sli.Timeslices, SliceTarget: 0.9, SliceWidth: 2 * time.Minute}, "slice width must be 1m or 5m, got 2m0s"},
		{sli.Objective{Name: "a", Target: 0.99, Budgeting: sli.RatioTimeslices, SliceTarget: 0.9}, "applies to timeslices budgeting, not ratio_timeslices"},
		{sli.Objective{Name: "a", Target: 0.99, SliceWidth: time.Minute}, "apply only to time-slice budgeting"},
		{sli.Objective{Name: "a", Target: 0.99, EmptySlices: sli.EmptyBad}, "apply only to time-slice budgeting"},
		{sli.Objective{Name: "a", Target: 0.99, Budgeting: 7}, "unknown budgeting method 7"},
		{sli.Objective{Name: "a", Target: 0.99, Budgeting: sli.Timeslices, SliceTarget: 0.9, EmptySlices: 9}, "unknown empty-slice rule 9"},
		{sli.Objective{Name: "a", Target: 0.99, Budgeting: sli.Timeslices, SliceTarget: 0.9, SliceWidth: 5 * time.Minute, Window: sli.Rolling(time.Hour + time.Minute)}, "window 1h1m0s is not a whole number of 5m0s slices"},
	}
	for _, c := range bad {
		err := c.o.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to contain %q", c.o, err, c.want)
		}
	}
}

func TestSliceWidth(t *testing.T) {
	for _, c := range []struct {
		o    sli.Objective
		want time.Duration
	}{
		{sli.Objective{}, 0},
		{sli.Objective{Budgeting: sli.Timeslices}, time.Minute},
		{sli.Objective{Budgeting: sli.RatioTimeslices, SliceWidth: 5 * time.Minute}, 5 * time.Minute},
	} {
		if got := c.o.Slice(); got != c.want {
			t.Errorf("%v width %v: Slice() = %v, want %v", c.o.Budgeting, c.o.SliceWidth, got, c.want)
		}
	}
}

func TestBudgetingNames(t *testing.T) {
	for _, b := range []sli.Budgeting{sli.Occurrences, sli.Timeslices, sli.RatioTimeslices} {
		text, err := b.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back sli.Budgeting
		if err := back.UnmarshalText(text); err != nil || back != b {
			t.Errorf("%v: round trip gave %v, %v", b, back, err)
		}
	}
	for _, e := range []sli.EmptySlices{sli.EmptyGood, sli.EmptyBad, sli.EmptySkipped} {
		text, err := e.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back sli.EmptySlices
		if err := back.UnmarshalText(text); err != nil || back != e {
			t.Errorf("%v: round trip gave %v, %v", e, back, err)
		}
	}
	if got := sli.RatioTimeslices.String(); got != "ratio_timeslices" {
		t.Errorf("String = %q", got)
	}
	if _, err := sli.Budgeting(3).MarshalText(); err == nil {
		t.Error("unknown method marshals")
	}
	var b sli.Budgeting
	if err := b.UnmarshalText([]byte("Timeslices")); err == nil {
		t.Error("OpenSLO spelling accepted as the endpoint name")
	}
}
