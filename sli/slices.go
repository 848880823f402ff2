package sli

import (
	"fmt"
	"math"
	"time"
)

// Budgeting says what an objective's Target counts: events, or slices of
// time. The zero value is Occurrences. The names follow OpenSLO's
// budgetingMethod.
type Budgeting uint8

const (
	// Occurrences counts events: the target is the ratio of good events
	// among all the period's events, and the budget is a share of the events
	// seen so far.
	Occurrences Budgeting = iota
	// Timeslices cuts time into slices of SliceWidth: a slice is good when
	// at least SliceTarget of its events are good, and the target is the
	// ratio of good slices among all slices of the period. The budget is
	// fixed in time: (1 − Target) × the period's slices (43.2 minutes of a
	// 30-day period at 99.9%, with 1-minute slices).
	Timeslices
	// RatioTimeslices cuts time into slices of SliceWidth, and the target is
	// the mean of the slices' ratios of good events: a slice where 3 events
	// of 100 are bad spends 0.03 of a slice.
	RatioTimeslices
)

var budgetingNames = [...]string{"occurrences", "timeslices", "ratio_timeslices"}

// String returns the method's name as the endpoint writes it: "occurrences",
// "timeslices" or "ratio_timeslices".
func (b Budgeting) String() string {
	if int(b) < len(budgetingNames) {
		return budgetingNames[b]
	}
	return fmt.Sprintf("Budgeting(%d)", uint8(b))
}

// MarshalText implements encoding.TextMarshaler.
func (b Budgeting) MarshalText() ([]byte, error) {
	if int(b) >= len(budgetingNames) {
		return nil, fmt.Errorf("sli: unknown budgeting method %d", uint8(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts the names
// String returns.
func (b *Budgeting) UnmarshalText(t []byte) error {
	for i, n := range budgetingNames {
		if n == string(t) {
			*b = Budgeting(i)
			return nil
		}
	}
	return fmt.Errorf("sli: unknown budgeting method %q", t)
}

// IsTimeslices reports whether the method counts slices of time
// (Timeslices or RatioTimeslices).
func (b Budgeting) IsTimeslices() bool { return b == Timeslices || b == RatioTimeslices }

// EmptySlices says how a slice without events counts. The zero value is
// EmptyGood.
type EmptySlices uint8

const (
	// EmptyGood counts a slice without events as good, as Nobl9 and Datadog
	// do: only bad slices spend the budget.
	EmptyGood EmptySlices = iota
	// EmptyBad counts a slice without events as bad, for a heartbeat-style
	// objective where silence is the failure.
	EmptyBad
	// EmptySkipped leaves a slice without events out: it is neither good
	// nor bad and does not count among the slices.
	EmptySkipped
)

var emptyNames = [...]string{"good", "bad", "skipped"}

// String returns "good", "bad" or "skipped".
func (e EmptySlices) String() string {
	if int(e) < len(emptyNames) {
		return emptyNames[e]
	}
	return fmt.Sprintf("EmptySlices(%d)", uint8(e))
}

// MarshalText implements encoding.TextMarshaler.
func (e EmptySlices) MarshalText() ([]byte, error) {
	if int(e) >= len(emptyNames) {
		return nil, fmt.Errorf("sli: unknown empty-slice rule %d", uint8(e))
	}
	return []byte(e.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts the names
// String returns.
func (e *EmptySlices) UnmarshalText(t []byte) error {
	for i, n := range emptyNames {
		if n == string(t) {
			*e = EmptySlices(i)
			return nil
		}
	}
	return fmt.Errorf("sli: unknown empty-slice rule %q", t)
}

// DefaultSliceWidth is the slice width of a time-slice objective whose
// SliceWidth is zero.
const DefaultSliceWidth = time.Minute

// Slice returns the width of the objective's time slices: SliceWidth, or
// DefaultSliceWidth when it is zero; zero for an Occurrences objective.
func (o *Objective) Slice() time.Duration {
	if !o.Budgeting.IsTimeslices() {
		return 0
	}
	if o.SliceWidth == 0 {
		return DefaultSliceWidth
	}
	return o.SliceWidth
}

// sliceProblems checks the time-slice fields. Slices are 1 or 5 minutes: they
// divide the 15-minute buckets a period is kept in (and every UTC offset in
// use), so a calendar month holds a whole number of slices.
func (o *Objective) sliceProblems() []string {
	var p []string
	if int(o.Budgeting) >= len(budgetingNames) {
		return append(p, fmt.Sprintf("unknown budgeting method %d", uint8(o.Budgeting)))
	}
	if int(o.EmptySlices) >= len(emptyNames) {
		p = append(p, fmt.Sprintf("unknown empty-slice rule %d", uint8(o.EmptySlices)))
	}
	if !o.Budgeting.IsTimeslices() {
		if o.SliceWidth != 0 || o.SliceTarget != 0 || o.EmptySlices != EmptyGood {
			p = append(p, "slice width, slice target and empty slices apply only to time-slice budgeting")
		}
		return p
	}
	if w := o.SliceWidth; w != 0 && w != time.Minute && w != 5*time.Minute {
		p = append(p, fmt.Sprintf("slice width must be 1m or 5m, got %v", w))
	}
	switch o.Budgeting {
	case Timeslices:
		if math.IsNaN(o.SliceTarget) || o.SliceTarget <= 0 || o.SliceTarget > 1 {
			p = append(p, fmt.Sprintf("timeslices budgeting needs a slice target in (0,1], got %v", o.SliceTarget))
		}
	case RatioTimeslices:
		if o.SliceTarget != 0 {
			p = append(p, "a slice target applies to timeslices budgeting, not ratio_timeslices (a slice counts by its ratio)")
		}
	}
	if r := o.Window.Rolling; r > 0 && r%o.Slice() != 0 {
		p = append(p, fmt.Sprintf("window %v is not a whole number of %v slices", r, o.Slice()))
	}
	return p
}
