package endpoint

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// A time-slice objective's card says its budget in time ("12 of 43.2 bad
// minutes used"), how wide its slices are and what makes one good, and
// counts slices where an occurrence objective's card counts events.

// sliceView is what a time-slice objective's card shows besides the
// figures every card has.
type sliceView struct {
	Width  string // "1-minute", "5-minute"
	Rule   string // what makes a slice good, and an empty one
	Used   string // "12 of 43.2 bad minutes used"; "" before slices are counted
	Over   bool   // more used than allowed
	Closed string // the period's closed slices counted, formatted
	Period string // all the period's slices, formatted
	Bad    string // "12 bad"; ratio slices: "180 with bad events"
	BadAny bool
	Empty  string
	Events string // "7,200 events in the period, 7 bad"
}

// newSliceView returns the card's time-slice part, nil for an occurrence
// objective.
func newSliceView(st *budget.Status) *sliceView {
	o := &st.Objective
	if !o.Budgeting.IsTimeslices() {
		return nil
	}
	w := o.Slice()
	v := &sliceView{Width: widthWord(w), Rule: sliceRule(o, w), Events: formatCount(st.Total()) + " events in the period, " + formatCount(st.Bad) + " bad"}
	if st.Overall {
		noun := sliceNoun(w)
		v.Rule = "A " + noun + " is bad here when any " + o.GroupBy + "'s " + noun + " is. " + v.Rule
	}
	if b := st.Slices; b != nil {
		v.Used = budgetInTime(b.SpentTime(), b.AllowedTime())
		v.Over = b.Spent > b.Allowed
		v.Closed, v.Period = formatCount(b.Good+b.Bad), formatCount(b.Period)
		v.Bad, v.Empty = formatCount(b.Bad)+" bad", formatCount(b.Empty)
		if o.Budgeting == sli.RatioTimeslices { // a slice spends its share; Bad counts those with any bad event
			v.Bad = formatCount(b.Bad) + " with bad events"
		}
		v.BadAny = b.Bad > 0
	}
	return v
}

// widthWord writes a slice width as an adjective: "1-minute", "5-minute".
func widthWord(w time.Duration) string {
	if w%time.Minute == 0 {
		return strconv.FormatInt(int64(w/time.Minute), 10) + "-minute"
	}
	return strconv.FormatInt(int64(w/time.Second), 10) + "-second"
}

// sliceNoun names one slice: "minute" for 1-minute slices, "5-minute
// slice" otherwise.
func sliceNoun(w time.Duration) string {
	if w == time.Minute {
		return "minute"
	}
	return widthWord(w) + " slice"
}

// sliceRule says in words what makes a slice good, and how one without
// events counts.
func sliceRule(o *sli.Objective, w time.Duration) string {
	noun := sliceNoun(w)
	var b strings.Builder
	b.WriteString("A " + noun)
	switch {
	case o.Budgeting == sli.RatioTimeslices:
		b.WriteString(" counts by its share of good events")
	case o.Kind.HasThreshold() && o.SliceTarget < 1:
		b.WriteString(" is good when its p" + trimFloat(o.SliceTarget*100, 4) + " is at most " + formatSeconds(o.Threshold.Seconds()))
	case o.SliceTarget >= 1:
		b.WriteString(" is good when all its events are")
	default:
		b.WriteString(" is good when at least " + formatTarget(o.SliceTarget) + " of its events are")
	}
	switch o.EmptySlices {
	case sli.EmptyBad:
		b.WriteString("; one without events counts as bad.")
	case sli.EmptySkipped:
		b.WriteString("; one without events is left out.")
	default:
		b.WriteString("; one without events counts as good.")
	}
	return b.String()
}

// budgetInTime writes the budget spent and allowed in the unit that suits
// the allowance: "12 of 43.2 bad minutes used", hours from 12 hours up
// (99% of 30 days stays 432 minutes), seconds below 2 minutes.
func budgetInTime(spent, allowed time.Duration) string {
	unit, name := time.Minute, "minutes"
	switch {
	case allowed >= 12*time.Hour:
		unit, name = time.Hour, "hours"
	case allowed < 2*time.Minute:
		unit, name = time.Second, "seconds"
	}
	in := func(d time.Duration) string { return formatAmount(float64(d) / float64(unit)) }
	return in(spent) + " of " + in(allowed) + " bad " + name + " used"
}

// formatAmount writes x with one decimal from 10 up and two below, none
// trailing, and whole from 1,000 up: 43.2, 100.8, 12, 5.04, 0.5, 1,008.
func formatAmount(x float64) string {
	switch a := math.Abs(x); {
	case a >= 1000:
		return formatCount(int64(math.Round(x)))
	case a >= 10:
		return trimFloat(x, 1)
	}
	return trimFloat(x, 2)
}

// trimFloat writes x rounded to d decimals, without trailing zeros.
func trimFloat(x float64, d int) string {
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return strings.Replace(s, "-", "−", 1)
}

// overallBadge names a grouped time-slice objective's overall entry on its
// card ("all routes"); "" for any other status.
func overallBadge(st *budget.Status) string {
	if !st.Overall {
		return ""
	}
	return "all " + st.Objective.GroupBy + "s"
}

// overallRow is the overall entry's line in its objective's fold summary:
// "all routes: 65.3% · 15 of 43.2 bad minutes used · healthy".
func overallRow(c *card) *foldRow {
	rem := c.Remaining
	if c.Slices != nil && c.Slices.Used != "" {
		rem += " · " + c.Slices.Used
	}
	return &foldRow{Value: c.Overall, Remaining: rem, Policy: c.Policy, Class: c.RemClass}
}

// slicesToJudge explains a time-slice objective's badge while its policy
// waits for enough slices, which it counts in place of events: "36 of 100
// slices closed: too few to judge".
func slicesToJudge(st *budget.Status) string {
	b := st.Slices
	return formatCount(b.Good+b.Bad) + " of " + formatCount(st.PolicyMinEvents) + " slices closed: too few to judge"
}

// unjudgedUnit is what an unjudged objective's counts count in the
// banner: "slices" for a time-slice objective, else "events".
func unjudgedUnit(u budget.Unjudged) string {
	if u.Slices {
		return "slices"
	}
	return "events"
}
