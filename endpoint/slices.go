package endpoint

import (
	"github.com/errbudget/errbudget/budget"
)

// Time-slice objectives (sli.Timeslices, sli.RatioTimeslices) in the JSON:
// the declaration on the objective's entry and the budget counted in
// slices in its error_budget (docs/contract.md, "GET /slo"). Every field
// here is absent for an occurrence objective, whose entry stays as it was.

// sliceDeclJSON is the objective entry's time-slice declaration.
type sliceDeclJSON struct {
	BudgetingMethod string   `json:"budgeting_method"`
	SliceTarget     *float64 `json:"slice_target,omitempty"` // timeslices only
	EmptySlices     string   `json:"empty_slices"`
}

// sliceBudgetJSON is error_budget's part for a time-slice objective: the
// budget in slices of slice_seconds, and in seconds.
type sliceBudgetJSON struct {
	Unit           string          `json:"unit"` // "slices"
	SliceSeconds   float64         `json:"slice_seconds"`
	PeriodSlices   int64           `json:"period_slices"`
	Allowed        float64         `json:"allowed"`
	Spent          float64         `json:"spent"`
	AllowedSeconds float64         `json:"allowed_seconds"`
	SpentSeconds   float64         `json:"spent_seconds"`
	Slices         sliceCountsJSON `json:"slices"`
}

// sliceCountsJSON counts the period's closed slices by verdict.
type sliceCountsJSON struct {
	Good  int64 `json:"good"`
	Bad   int64 `json:"bad"`
	Empty int64 `json:"empty"`
}

// addSlices fills or's time-slice fields from st; it leaves an occurrence
// objective's entry as it is.
func addSlices(or *objectiveReport, st *budget.Status) {
	o := &st.Objective
	if !o.Budgeting.IsTimeslices() {
		return
	}
	d := &sliceDeclJSON{BudgetingMethod: o.Budgeting.String(), EmptySlices: o.EmptySlices.String()}
	if o.SliceTarget > 0 {
		t := o.SliceTarget
		d.SliceTarget = &t
	}
	or.sliceDeclJSON = d
	b := st.Slices
	if b == nil { // not counted (yet): the declaration alone
		return
	}
	or.ErrorBudget.sliceBudgetJSON = &sliceBudgetJSON{
		Unit:           "slices",
		SliceSeconds:   b.Width.Seconds(),
		PeriodSlices:   b.Period,
		Allowed:        b.Allowed,
		Spent:          b.Spent,
		AllowedSeconds: b.AllowedTime().Seconds(),
		SpentSeconds:   b.SpentTime().Seconds(),
		Slices:         sliceCountsJSON{Good: b.Good, Bad: b.Bad, Empty: b.Empty},
	}
}
