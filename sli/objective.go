package sli

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Kind says what an objective measures and so how it classifies an Event.
// The zero value is Availability.
type Kind uint8

const (
	// Availability takes the call's own Outcome: good calls succeeded, bad
	// calls failed by the service's fault.
	Availability Kind = iota
	// Latency counts a successful call as good when its Duration is at most
	// Threshold. Failed calls are excluded (they already count against
	// availability) unless IncludeFailures is set.
	Latency
	// Custom leaves the verdict to the objective's Classify function.
	Custom
	// TimeToFirstToken counts a successful call as good when its FirstToken
	// time is at most Threshold. Calls with no first token are excluded.
	TimeToFirstToken
	// TimePerOutputToken counts a successful call as good when its mean time
	// per output token after the first is at most Threshold. Calls with fewer
	// than two output tokens are excluded.
	TimePerOutputToken
	// Quality counts a successful, scored call as good when its Score is
	// at least MinScore. Unscored and failed calls are excluded.
	Quality
)

var kindNames = [...]string{"availability", "latency", "custom", "ttft", "tpot", "quality"}

// String returns the kind's name as the endpoint writes it: "availability",
// "latency", "custom", "ttft", "tpot" or "quality".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) {
	if int(k) >= len(kindNames) {
		return nil, fmt.Errorf("sli: unknown kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts the names
// String returns.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("sli: unknown kind %q", b)
}

// HasThreshold reports whether the kind compares a duration with Threshold.
func (k Kind) HasThreshold() bool {
	return k == Latency || k == TimeToFirstToken || k == TimePerOutputToken
}

// DefaultMaxGroups is the number of groups a grouped objective keeps when its
// MaxGroups is zero. Values beyond it share the OverflowGroup.
const DefaultMaxGroups = 50

// OverflowGroup is the group that values beyond an objective's MaxGroups
// share, so that label values from the outside cannot grow memory.
const OverflowGroup = "_OTHER"

// MaxGroupLen is the longest group value, in bytes, that keeps a group of its
// own; a longer one counts in OverflowGroup. Group values come from outside
// (a route, a model or method a request names), and each value kept is
// repeated in every status, every metric series and every scrape: a route
// template or a model name is short, a long value is a raw path or an attack.
const MaxGroupLen = 256

// MaxTarget is the highest target: the budget is kept in parts per billion.
const MaxTarget = 0.9999999

// MaxRolling is the longest rolling window an objective may declare.
const MaxRolling = 92 * 24 * time.Hour

// Objective declares one service level objective: which events it counts,
// how it tells good from bad, the target ratio of good events and the window
// over which that ratio is kept.
//
// It is a plain value; its zero fields mean defaults (an availability
// objective over a 30-day rolling window). Validate reports every problem at
// once. An Objective is read, never modified, once a tracker holds it.
type Objective struct {
	// Name identifies the objective in the status, the endpoint, metrics and
	// state files. Required and unique within a tracker.
	Name string
	// Description is free text for people.
	Description string
	// Kind says how events are classified.
	Kind Kind
	// Target is the ratio of good events promised, in (0, 1): 0.999, not 99.9.
	Target float64
	// Window is the period the target applies to; zero means 30 days rolling.
	Window Window
	// Threshold is the latency bound of the Latency, TimeToFirstToken and
	// TimePerOutputToken kinds; a value equal to it is good.
	Threshold time.Duration
	// MinScore is the lowest Score a Quality objective counts as good.
	MinScore float64
	// IncludeFailures makes latency kinds count failed calls as bad instead
	// of excluding them.
	IncludeFailures bool
	// GroupBy names a label (such as "route" or "model") whose values each
	// get their own counts and budget. Empty means one budget for all.
	GroupBy string
	// MaxGroups caps the number of group values kept (DefaultMaxGroups when
	// zero); later values, and values longer than MaxGroupLen, share
	// OverflowGroup.
	MaxGroups int
	// Advisory objectives are reported and alert as usual, but never freeze
	// releases.
	Advisory bool
	// Include, when set, selects the events this objective applies to; the
	// others are excluded. It runs on the recording path: keep it cheap.
	Include func(Event) bool
	// Classify gives the verdict of a Custom objective. It runs on the
	// recording path: keep it cheap, and never block in it.
	Classify func(Event) Outcome
	// Budgeting says what Target counts: events (Occurrences, the zero
	// value) or slices of time (Timeslices, RatioTimeslices).
	Budgeting Budgeting
	// SliceWidth is the width of a time slice, 1 or 5 minutes; zero means
	// DefaultSliceWidth. Only for time-slice budgeting.
	SliceWidth time.Duration
	// SliceTarget is, for Timeslices, the ratio of good events that makes a
	// slice good, in (0, 1]. For a latency kind it reads as a percentile:
	// SliceTarget 0.95 with Threshold 1s is "the slice's p95 is at most
	// 1 s", decided exactly from the events, not from a histogram.
	SliceTarget float64
	// EmptySlices says how a slice without events counts: good (the zero
	// value), bad, or skipped. Only for time-slice budgeting.
	EmptySlices EmptySlices
}

// Verdict classifies e for this objective.
func (o *Objective) Verdict(e Event) Outcome {
	if o.Include != nil && !o.Include(e) {
		return Excluded
	}
	switch o.Kind {
	case Availability:
		return e.Outcome
	case Custom:
		if o.Classify == nil {
			return Excluded
		}
		return o.Classify(e)
	case Quality:
		// A failed call's answer never reached anyone: availability
		// answers for it, quality does not.
		if !e.Scored || math.IsNaN(e.Score) || e.Outcome != Good {
			return Excluded
		}
		if e.Score >= o.MinScore {
			return Good
		}
		return Bad
	}
	// Latency kinds.
	if e.Outcome != Good {
		if e.Outcome == Bad && o.IncludeFailures {
			return Bad
		}
		return Excluded
	}
	v, ok := o.Measure(e)
	if !ok {
		return Excluded
	}
	if v <= o.Threshold {
		return Good
	}
	return Bad
}

// Measure returns the duration a latency kind compares with Threshold:
// Duration, FirstToken or the time per output token. It reports false for the
// other kinds and for events that do not carry the value.
func (o *Objective) Measure(e Event) (time.Duration, bool) {
	switch o.Kind {
	case Latency:
		return e.Duration, e.Duration >= 0
	case TimeToFirstToken:
		return e.FirstToken, e.FirstToken > 0
	case TimePerOutputToken:
		return e.TimePerOutputToken()
	}
	return 0, false
}

// Validate reports every problem with the declaration at once, each naming
// the objective, joined into one error; nil when there is none.
func (o *Objective) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("sli: objective %q: "+format, append([]any{o.Name}, args...)...))
	}
	if o.Name == "" {
		bad("name is empty")
	}
	if math.IsNaN(o.Target) || o.Target <= 0 || o.Target >= 1 {
		bad("target must be in (0,1), got %v", o.Target)
	} else if o.Target > MaxTarget {
		bad("target %v leaves an error budget too small to count (at most %v)", o.Target, MaxTarget)
	}
	if int(o.Kind) >= len(kindNames) {
		bad("unknown kind %d", uint8(o.Kind))
	}
	if o.Kind.HasThreshold() && o.Threshold <= 0 {
		bad("%s kind needs a positive threshold, got %v", o.Kind, o.Threshold)
	}
	if !o.Kind.HasThreshold() && o.Threshold != 0 {
		bad("threshold %v is set but kind %s has none", o.Threshold, o.Kind)
	}
	if o.Kind == Custom && o.Classify == nil {
		bad("custom kind needs a Classify function")
	}
	if o.Kind == Quality && (math.IsNaN(o.MinScore) || math.IsInf(o.MinScore, 0)) {
		bad("min score must be a finite number, got %v", o.MinScore)
	}
	if o.MaxGroups < 0 {
		bad("max groups must not be negative, got %d", o.MaxGroups)
	}
	if o.MaxGroups > 0 && o.GroupBy == "" {
		bad("max groups is set but group by is empty")
	}
	for _, err := range o.Window.problems() {
		bad("%s", err)
	}
	for _, err := range o.sliceProblems() {
		bad("%s", err)
	}
	return errors.Join(errs...)
}

// ValidateAll validates every objective and checks that names are unique,
// reporting every problem at once.
func ValidateAll(objs []Objective) error {
	var errs []error
	seen := make(map[string]bool, len(objs))
	for i := range objs {
		if err := objs[i].Validate(); err != nil {
			errs = append(errs, err)
		}
		n := objs[i].Name
		if n != "" && seen[n] {
			errs = append(errs, fmt.Errorf("sli: objective %q: name is declared more than once", n))
		}
		seen[n] = true
	}
	return errors.Join(errs...)
}
