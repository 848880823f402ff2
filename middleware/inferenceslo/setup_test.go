package inferenceslo_test

import (
	"context"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/genaiotel"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// objectives are the four inference objectives most tests count toward.
func objectives() []sli.Objective {
	return []sli.Objective{
		{Name: "avail", Target: 0.99},
		{Name: "ttft", Kind: sli.TimeToFirstToken, Target: 0.99, Threshold: 500 * time.Millisecond},
		{Name: "tpot", Kind: sli.TimePerOutputToken, Target: 0.99, Threshold: 50 * time.Millisecond},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: time.Second},
	}
}

// rig is a tracker and an instrument sharing one fake clock, with the GenAI
// metrics on an SDK meter provider read by a ManualReader.
type rig struct {
	clk    *budgettest.Clock
	tr     *budget.Tracker
	inst   *inferenceslo.Instrument
	reader *sdkmetric.ManualReader
}

func newRig(t testing.TB, objs []sli.Objective, opts ...inferenceslo.Option) *rig {
	t.Helper()
	clk := budgettest.NewClock(t0)
	tr, err := budget.New(objs, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	opts = append([]inferenceslo.Option{
		inferenceslo.WithClock(clk.Now),
		inferenceslo.WithMeterProvider(mp),
		inferenceslo.WithProvider("openai"),
	}, opts...)
	inst, err := inferenceslo.New(tr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{clk: clk, tr: tr, inst: inst, reader: reader}
}

// status returns the status of objective name (and group) at the clock.
func (r *rig) status(t testing.TB, name, group string) budget.Status {
	t.Helper()
	for _, st := range r.tr.Status() {
		if st.Objective.Name == name && st.Group == group {
			return st
		}
	}
	t.Fatalf("no status for objective %q group %q", name, group)
	return budget.Status{}
}

// counts asserts an objective's good, bad and excluded counts.
func (r *rig) counts(t testing.TB, name string, good, bad, excluded int64) {
	t.Helper()
	st := r.status(t, name, "")
	if st.Good != good || st.Bad != bad || st.LifetimeExcluded != excluded {
		t.Errorf("%s: good/bad/excluded = %d/%d/%d, want %d/%d/%d", name, st.Good, st.Bad, st.LifetimeExcluded, good, bad, excluded)
	}
}

// metrics collects what the reader holds, by instrument name.
func (r *rig) metrics(t testing.TB) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// errorTypes returns the error.type of every data point of the operation
// duration with its count; "" for points without one.
func (r *rig) errorTypes(t testing.TB) map[string]uint64 {
	t.Helper()
	m, ok := r.metrics(t)[genaiotel.MetricOperationDuration]
	if !ok {
		t.Fatalf("no %s", genaiotel.MetricOperationDuration)
	}
	out := map[string]uint64{}
	for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		v, _ := dp.Attributes.Value("error.type")
		out[v.AsString()] += dp.Count
	}
	return out
}
