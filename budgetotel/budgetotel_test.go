package budgetotel_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// point is one data point flattened for comparison: attributes written as
// "k=v,k=v" in key order.
type point struct {
	attrs string
	value float64
}

type collected struct {
	scope   string
	metrics map[string]metricdata.Metrics
}

func collect(t *testing.T, r *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	c := collected{metrics: map[string]metricdata.Metrics{}}
	for _, sm := range rm.ScopeMetrics {
		c.scope = sm.Scope.Name
		for _, m := range sm.Metrics {
			c.metrics[m.Name] = m
		}
	}
	return c
}

func attrString(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	return strings.Join(parts, ",")
}

// points returns the metric's points sorted by attributes, checking its
// kind and unit on the way.
func points(t *testing.T, c collected, name, unit, kind string) []point {
	t.Helper()
	m, ok := c.metrics[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	if m.Unit != unit {
		t.Errorf("%s: unit %q, want %q", name, m.Unit, unit)
	}
	if m.Description == "" {
		t.Errorf("%s: no description", name)
	}
	var out []point
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		if kind != "counter" || !d.IsMonotonic || d.Temporality != metricdata.CumulativeTemporality {
			t.Errorf("%s: a sum (monotonic %v, %v), want %s", name, d.IsMonotonic, d.Temporality, kind)
		}
		for _, p := range d.DataPoints {
			out = append(out, point{attrString(p.Attributes), float64(p.Value)})
		}
	case metricdata.Gauge[float64]:
		if kind != "gauge" {
			t.Errorf("%s: a float gauge, want %s", name, kind)
		}
		for _, p := range d.DataPoints {
			out = append(out, point{attrString(p.Attributes), p.Value})
		}
	case metricdata.Gauge[int64]:
		if kind != "gauge" {
			t.Errorf("%s: an int gauge, want %s", name, kind)
		}
		for _, p := range d.DataPoints {
			out = append(out, point{attrString(p.Attributes), float64(p.Value)})
		}
	default:
		t.Fatalf("%s: data %T", name, m.Data)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].attrs < out[j].attrs })
	for _, p := range out {
		if math.IsNaN(p.value) || math.IsInf(p.value, 0) {
			t.Errorf("%s{%s} = %v", name, p.attrs, p.value)
		}
	}
	return out
}

func equal(t *testing.T, name string, got, want []point) {
	t.Helper()
	sort.Slice(want, func(i, j int) bool { return want[i].attrs < want[j].attrs })
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", name, got, want)
	}
}

// Acceptance 5: each instrument's name, unit, attributes and value after
// known traffic.
func TestManualReader(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "chat", Target: 0.99, GroupBy: "model"},
		{Name: "idle", Kind: sli.Latency, Target: 0.99, Threshold: time.Second},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	gpt, _ := tr.Series("chat", "gpt")
	// An hour at 10 calls a second; api fails 1 in 100 (burn 10: page-6h,
	// ticket-1d and ticket-3d fire, page-1h at 14.4 does not), chat on gpt
	// 1 in 400 (burn 0.25).
	good, bad := budgettest.Traffic{Rate: 10, ErrorRatio: 0.01}.Run(clk, api, time.Hour)
	clk.Set(t0)
	cg, cb := budgettest.Traffic{Rate: 10, ErrorRatio: 0.0025}.Run(clk, gpt, time.Hour)
	if good != 35640 || bad != 360 || cg != 35910 || cb != 90 {
		t.Fatalf("traffic: %d %d %d %d", good, bad, cg, cb)
	}

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	c := collect(t, reader)
	if c.scope != budgetotel.ScopeName {
		t.Errorf("scope %q", c.scope)
	}
	if len(c.metrics) != 6 {
		t.Errorf("%d metrics: %v", len(c.metrics), c.metrics)
	}

	equal(t, "slo.events", points(t, c, "slo.events", "{event}", "counter"), []point{
		{"slo.name=api,slo.outcome=good", 35640},
		{"slo.name=api,slo.outcome=bad", 360},
		{"slo.group=gpt,slo.name=chat,slo.outcome=good", 35910},
		{"slo.group=gpt,slo.name=chat,slo.outcome=bad", 90},
		{"slo.name=idle,slo.outcome=good", 0},
		{"slo.name=idle,slo.outcome=bad", 0},
	})
	equal(t, "slo.objective", points(t, c, "slo.objective", "1", "gauge"), []point{
		{"slo.name=api", 0.999},
		{"slo.group=gpt,slo.name=chat", 0.99},
		{"slo.name=idle", 0.99},
	})
	// idle has no events: no SLI, budget or burn rate, rather than NaN.
	equal(t, "slo.sli", points(t, c, "slo.sli", "1", "gauge"), []point{
		{"slo.name=api", 0.99},
		{"slo.group=gpt,slo.name=chat", 0.9975},
	})
	equal(t, "slo.error_budget.remaining", points(t, c, "slo.error_budget.remaining", "1", "gauge"), []point{
		{"slo.name=api", -9},
		{"slo.group=gpt,slo.name=chat", 0.75},
	})
	var burns []point
	for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "period"} {
		// The last call of the hour opens a 10-second bucket of its own
		// that the short windows include (see the endpoint's test).
		apiRate, chatRate := 10.0, 0.25
		switch w {
		case "5m":
			apiRate = budget.BurnRate(2970, 31, 0.999).Value
			chatRate = budget.BurnRate(3001-8, 8, 0.99).Value
		case "30m":
			apiRate = budget.BurnRate(17820, 181, 0.999).Value
			chatRate = budget.BurnRate(18001-46, 46, 0.99).Value
		}
		burns = append(burns,
			point{"slo.name=api,slo.window=" + w, apiRate},
			point{"slo.group=gpt,slo.name=chat,slo.window=" + w, chatRate})
	}
	equal(t, "slo.burn_rate", points(t, c, "slo.burn_rate", "1", "gauge"), burns)
	var alerts []point
	for _, a := range []struct {
		name, sev string
		api       float64
	}{{"page-1h", "page", 0}, {"page-6h", "page", 1}, {"ticket-1d", "ticket", 1}, {"ticket-3d", "ticket", 1}} {
		rule := "slo.alert.name=" + a.name + ",slo.alert.severity=" + a.sev + ","
		alerts = append(alerts,
			point{rule + "slo.name=api", a.api},
			point{rule + "slo.group=gpt,slo.name=chat", 0},
			point{rule + "slo.name=idle", 0})
	}
	equal(t, "slo.alert.firing", points(t, c, "slo.alert.firing", "1", "gauge"), alerts)

	// A group that appears later is observed from the next computation.
	clk.Advance(2 * time.Second)
	llama, _ := tr.Series("chat", "llama")
	llama.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad})
	c = collect(t, reader)
	var found bool
	for _, p := range points(t, c, "slo.events", "{event}", "counter") {
		if p.attrs == "slo.group=llama,slo.name=chat,slo.outcome=bad" && p.value == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("llama's event not observed")
	}

	// Closed, the callback observes nothing more.
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	if c := collect(t, reader); len(c.metrics) != 0 {
		t.Errorf("after Close: %d metrics", len(c.metrics))
	}
}

// Collections within the interval share one status computation; the
// callback computes nothing per collection beyond it.
func TestOneComputationPerInterval(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var mu sync.Mutex
	transitions := 0
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, budget.WithClock(clk.Now),
		budget.WithPolicy(budget.Policy{MinEvents: 1}),
		budget.OnTransition(func(budget.Transition) { mu.Lock(); transitions++; mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("a", "")
	r1, r2 := sdkmetric.NewManualReader(), sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r1), sdkmetric.WithReader(r2))
	defer mp.Shutdown(context.Background())
	if _, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp), budgetotel.WithInterval(time.Minute)); err != nil {
		t.Fatal(err)
	}
	collect(t, r1)
	s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad})
	clk.Advance(30 * time.Second)
	for _, c := range []collected{collect(t, r1), collect(t, r2)} {
		if _, ok := c.metrics["slo.sli"]; ok {
			t.Errorf("the bad event is visible within the interval")
		}
	}
	clk.Advance(30 * time.Second)
	c := collect(t, r2)
	equal(t, "slo.sli", points(t, c, "slo.sli", "1", "gauge"), []point{{"slo.name=a", 0}})
	mu.Lock()
	defer mu.Unlock()
	if transitions != 1 {
		t.Errorf("%d transitions, want 1", transitions)
	}
}

// Without WithMeterProvider, the global provider is used.
func TestGlobalMeterProvider(t *testing.T) {
	prev := otel.GetMeterProvider()
	defer otel.SetMeterProvider(prev)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	otel.SetMeterProvider(mp)

	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, budget.WithClock(budgettest.NewClock(t0).Now))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := budgetotel.New(tr)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	equal(t, "slo.objective", points(t, collect(t, reader), "slo.objective", "1", "gauge"), []point{{"slo.name=a", 0.99}})
}
