package budget

import (
	"math"
	"time"
)

// SliceBudget is the error budget of a time-slice objective
// (sli.Timeslices, sli.RatioTimeslices), counted in slices of time. The
// budget is fixed in time: Allowed is a share of all the period's slices,
// closed or to come, not of the slices seen so far.
//
// Status.Slices is nil for an occurrence objective. For a time-slice
// objective it holds the period's slices closed by the status's instant;
// the slice in progress is not counted until its end passes.
type SliceBudget struct {
	// Width is the slice width (sli.Objective.Slice).
	Width time.Duration
	// Period is the number of slices in the whole period: 43,200 for 30
	// days of 1-minute slices; a calendar month's exact count (a month
	// holding a DST change has an hour more or less of them).
	Period int64
	// Allowed is the budget in slices: (1 − Target) × Period (43.2 for 30
	// days of 1-minute slices at 99.9%). Multiply by Width for time.
	Allowed float64
	// Spent is the budget spent, in slices: the bad slices of the period
	// (for sli.RatioTimeslices, the sum of 1 − ratio over the slices).
	Spent float64
	// Good and Bad count the period's closed slices by verdict; a slice
	// that a correction covers counts as good. Empty counts the closed
	// slices without events: they are also in Good or Bad as the
	// objective's EmptySlices says, or in neither when skipped.
	Good, Bad, Empty int64
}

// AllowedTime returns the budget in time: Allowed slices of Width, to the
// nearest nanosecond (a week of 1-minute slices at 99.95% is 5m2.4s).
func (b *SliceBudget) AllowedTime() time.Duration {
	return time.Duration(math.Round(b.Allowed * float64(b.Width)))
}

// SpentTime returns the budget spent in time: Spent slices of Width, to
// the nearest nanosecond.
func (b *SliceBudget) SpentTime() time.Duration {
	return time.Duration(math.Round(b.Spent * float64(b.Width)))
}
