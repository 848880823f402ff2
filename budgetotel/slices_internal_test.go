package budgetotel

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// Issue 17 item 3: a time-slice objective's budget is exported in seconds,
// to the value, read back through a ManualReader; an occurrence
// objective's status observes neither gauge. (The statuses are built here;
// TestSliceGaugesFromTracker reads them from a tracker.)
func TestSliceGaugesObserve(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	si, err := newSliceInstruments(mp.Meter(ScopeName))
	if err != nil {
		t.Fatal(err)
	}
	sts := []budget.Status{
		{Objective: sli.Objective{Name: "api", Target: 0.999}},
		{Objective: sli.Objective{Name: "minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95},
			Slices: &budget.SliceBudget{Width: time.Minute, Period: 43200, Allowed: 43.2, Spent: 12, Good: 100, Bad: 12}},
		{Objective: sli.Objective{Name: "ratio", Target: 0.99, Budgeting: sli.RatioTimeslices, SliceWidth: 5 * time.Minute, Window: sli.Rolling(7 * 24 * time.Hour)},
			Slices: &budget.SliceBudget{Width: 5 * time.Minute, Period: 2016, Allowed: 20.16, Spent: 0.25}},
	}
	var n streamCounts
	_, err = mp.Meter(ScopeName).RegisterCallback(func(_ context.Context, o metric.Observer) error {
		n = streamCounts{}
		for i := range sts {
			si.observe(o, &sts[i], attrsOf(NameKey.String(sts[i].Objective.Name)).opts, &n)
		}
		return nil
	}, si.allowed, si.spent)
	if err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Unit != "s" || m.Description == "" {
				t.Errorf("%s: unit %q, description %q", m.Name, m.Unit, m.Description)
			}
			got[m.Name] = map[string]float64{}
			for _, p := range m.Data.(metricdata.Gauge[float64]).DataPoints {
				name, _ := p.Attributes.Value(NameKey)
				got[m.Name][name.AsString()] = p.Value
			}
		}
	}
	want := map[string]map[string]float64{
		BudgetAllowedName: {"minutes": 2592, "ratio": 6048}, // 43.2 minutes; 20.16 five-minute slices = 100.8 minutes
		BudgetSpentName:   {"minutes": 720, "ratio": 75},
	}
	for name, w := range want {
		if len(got[name]) != len(w) {
			t.Errorf("%s: %v, want %v", name, got[name], w)
		}
		for k, v := range w {
			if got[name][k] != v {
				t.Errorf("%s{slo.name=%s} = %v, want %v", name, k, got[name][k], v)
			}
		}
	}
	if n.slices != 2 {
		t.Errorf("streams counted %d, want 2", n.slices)
	}
}
