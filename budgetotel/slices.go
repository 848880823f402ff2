package budgetotel

import (
	"errors"

	"go.opentelemetry.io/otel/metric"

	"github.com/errbudget/errbudget/budget"
)

// Time-slice objectives (sli.Timeslices, sli.RatioTimeslices) export their
// budget in time: the budget of the whole period and what of it is spent,
// in seconds, as budget.SliceBudget's AllowedTime and SpentTime say it
// (43.2 bad minutes allowed is 2592). Seconds, not slices: OpenTelemetry's
// conventions give durations in s, a figure in slices would mean nothing
// without the slice width, and through the Prometheus exporter the names
// say their unit (slo_error_budget_allowed_seconds). Occurrence objectives
// observe neither.
const (
	BudgetAllowedName = "slo.error_budget.allowed"
	BudgetSpentName   = "slo.error_budget.spent"
)

// sliceInstruments are the two gauges of time-slice objectives.
type sliceInstruments struct {
	allowed, spent metric.Float64ObservableGauge
}

func newSliceInstruments(m metric.Meter) (sliceInstruments, error) {
	var s sliceInstruments
	var err1, err2 error
	s.allowed, err1 = m.Float64ObservableGauge(BudgetAllowedName, metric.WithUnit(units[BudgetAllowedName]), metric.WithDescription(descriptions[BudgetAllowedName]))
	s.spent, err2 = m.Float64ObservableGauge(BudgetSpentName, metric.WithUnit(units[BudgetSpentName]), metric.WithDescription(descriptions[BudgetSpentName]))
	return s, errors.Join(err1, err2)
}

// observe observes st's slice budget, if it has one, and counts the
// streams in n.
func (s *sliceInstruments) observe(o metric.Observer, st *budget.Status, attrs obsOpts, n *streamCounts) {
	b := st.Slices
	if b == nil {
		return
	}
	o.ObserveFloat64(s.allowed, b.AllowedTime().Seconds(), attrs...)
	o.ObserveFloat64(s.spent, b.SpentTime().Seconds(), attrs...)
	n.slices++
}
