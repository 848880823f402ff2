package inferenceslo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/genaiotel"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

var (
	wantDurationBounds = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	wantTokenBounds    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// point is one histogram data point, reduced to what the tests compare.
type point struct {
	attrs  attribute.Set
	count  uint64
	sum    float64
	bounds []float64
}

func points(t *testing.T, m metricdata.Metrics) []point {
	t.Helper()
	var out []point
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			out = append(out, point{dp.Attributes, dp.Count, dp.Sum, dp.Bounds})
		}
	case metricdata.Histogram[int64]:
		for _, dp := range d.DataPoints {
			out = append(out, point{dp.Attributes, dp.Count, float64(dp.Sum), dp.Bounds})
		}
	default:
		t.Fatalf("%s is a %T, want a histogram", m.Name, m.Data)
	}
	return out
}

func set(kvs ...attribute.KeyValue) attribute.Set { return attribute.NewSet(kvs...) }

var (
	opChat   = attribute.String("gen_ai.operation.name", "chat")
	provOAI  = attribute.String("gen_ai.provider.name", "openai")
	modelGPT = attribute.String("gen_ai.request.model", "gpt-x")
)

// TestGenAIMetrics checks the four instruments' names, units, buckets and
// attributes, and values from exact clock readings.
func TestGenAIMetrics(t *testing.T) {
	r := newRig(t, objectives())
	ctx := context.Background()

	// A streaming call: first chunk at 250 ms, five chunks, end at 1.25 s.
	call := r.inst.Start(ctx, "gpt-x")
	r.clk.Advance(250 * time.Millisecond)
	call.Token()
	for range 4 {
		r.clk.Advance(250 * time.Millisecond)
		call.Token()
	}
	call.SetUsage(12, 5)
	call.End(nil)

	// A unary call refused with a 429 after 40 ms: a duration with
	// error.type, nothing streaming, no tokens.
	call = r.inst.Start(ctx, "gpt-x")
	r.clk.Advance(40 * time.Millisecond)
	call.End(inferenceslo.NewError(inferenceslo.ClassifyStatus(429), errors.New("slow down")))

	// A call its caller cancels after 30 ms: a duration without error.type.
	cctx, cancel := context.WithCancel(ctx)
	call = r.inst.Start(cctx, "gpt-x")
	r.clk.Advance(30 * time.Millisecond)
	cancel()
	call.End(cctx.Err())

	ms := r.metrics(t)
	if len(ms) != 4 {
		t.Errorf("got %d instruments, want 4", len(ms))
	}
	for _, c := range []struct {
		name, unit string
		bounds     []float64
		points     []point
	}{
		{genaiotel.MetricOperationDuration, "s", wantDurationBounds, []point{
			{attrs: set(opChat, provOAI, modelGPT), count: 2, sum: 1.28},
			{attrs: set(opChat, provOAI, modelGPT, attribute.String("error.type", "rate_limited")), count: 1, sum: 0.04},
		}},
		{genaiotel.MetricTimeToFirstChunk, "s", wantDurationBounds, []point{
			{attrs: set(opChat, provOAI, modelGPT), count: 1, sum: 0.25},
		}},
		{genaiotel.MetricTimePerOutputChunk, "s", wantDurationBounds, []point{
			{attrs: set(opChat, provOAI, modelGPT), count: 1, sum: 0.25}, // (1.25 − 0.25) / 4
		}},
		{genaiotel.MetricTokenUsage, "{token}", wantTokenBounds, []point{
			{attrs: set(opChat, provOAI, modelGPT, attribute.String("gen_ai.token.type", "input")), count: 1, sum: 12},
			{attrs: set(opChat, provOAI, modelGPT, attribute.String("gen_ai.token.type", "output")), count: 1, sum: 5},
		}},
	} {
		m, ok := ms[c.name]
		if !ok {
			t.Errorf("no instrument %s", c.name)
			continue
		}
		if m.Unit != c.unit {
			t.Errorf("%s: unit %q, want %q", c.name, m.Unit, c.unit)
		}
		if m.Description == "" {
			t.Errorf("%s: no description", c.name)
		}
		got := points(t, m)
		if len(got) != len(c.points) {
			t.Errorf("%s: %d points, want %d", c.name, len(got), len(c.points))
		}
		for _, w := range c.points {
			i := slices.IndexFunc(got, func(p point) bool { return p.attrs.Equals(&w.attrs) })
			if i < 0 {
				t.Errorf("%s: no point with %v", c.name, w.attrs.Encoded(attribute.DefaultEncoder()))
				continue
			}
			p := got[i]
			if p.count != w.count || !near(p.sum, w.sum) {
				t.Errorf("%s %v: count %d sum %v, want %d and %v", c.name, w.attrs.Encoded(attribute.DefaultEncoder()), p.count, p.sum, w.count, w.sum)
			}
			if !slices.Equal(p.bounds, c.bounds) {
				t.Errorf("%s: bounds %v, want %v", c.name, p.bounds, c.bounds)
			}
		}
	}
}

// TestChunkTiming: with WithChunkTiming, time_per_output_chunk is recorded
// for every chunk after the first, from the previous chunk.
func TestChunkTiming(t *testing.T) {
	r := newRig(t, objectives(), inferenceslo.WithChunkTiming())
	call := r.inst.Start(context.Background(), "gpt-x")
	for _, gap := range []time.Duration{100, 10, 20, 40} {
		r.clk.Advance(gap * time.Millisecond)
		call.Token()
	}
	call.End(nil)
	p := points(t, r.metrics(t)[genaiotel.MetricTimePerOutputChunk])
	if len(p) != 1 || p[0].count != 3 || !near(p[0].sum, 0.07) {
		t.Errorf("time per output chunk: %+v, want 3 records summing 0.07", p)
	}
}

// TestMetricsWithoutProvider: calls that name no provider and no model
// carry neither attribute, and the conventions' other attributes stay.
func TestMetricsWithoutProvider(t *testing.T) {
	r := newRig(t, objectives(), inferenceslo.WithProvider(""), inferenceslo.WithOperation("embeddings"))
	call := r.inst.StartRequest(context.Background(), inferenceslo.Request{})
	r.clk.Advance(time.Second)
	call.End(nil)
	p := points(t, r.metrics(t)[genaiotel.MetricOperationDuration])
	want := set(attribute.String("gen_ai.operation.name", "embeddings"))
	if len(p) != 1 || !p[0].attrs.Equals(&want) {
		t.Errorf("points %+v, want one with only the operation", p)
	}
}

// TestModelCap: models past an objective grouped by model's MaxGroups
// count in its "_OTHER" group, by the rule every adapter shares; the first
// is logged, and the status counts them. The metrics keep each model while
// the instrument keeps fewer combinations than sli.DefaultMaxGroups.
func TestModelCap(t *testing.T) {
	var logs bytes.Buffer
	objs := objectives()
	objs[0].GroupBy = sli.GroupByModel
	objs[0].MaxGroups = 2
	clk := budgettest.NewClock(t0)
	tr, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	r := &rig{clk: clk, tr: tr, reader: reader}
	r.inst, err = inferenceslo.New(tr, inferenceslo.WithClock(clk.Now), inferenceslo.WithProvider("openai"),
		inferenceslo.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"a", "b", "c", "d", "a"} {
		call := r.inst.Start(context.Background(), m)
		r.clk.Advance(time.Millisecond)
		call.End(nil)
	}
	groups := map[string]int64{}
	for _, st := range r.tr.Status() {
		if st.Objective.Name == "avail" {
			groups[st.Group] = st.Good
			if st.Overflow != 2 {
				t.Errorf("group %q: overflow %d, want 2", st.Group, st.Overflow)
			}
		}
	}
	if want := map[string]int64{"a": 2, "b": 1, "_OTHER": 2}; !maps.Equal(groups, want) {
		t.Errorf("groups %v, want %v", groups, want)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "slo=avail label=model max_groups=2 value=c") {
		t.Errorf("%d warnings, want one naming the objective, its cap and c:\n%s", n, logs.String())
	}
	models := map[string]uint64{}
	for _, p := range points(t, r.metrics(t)[genaiotel.MetricOperationDuration]) {
		v, _ := p.attrs.Value("gen_ai.request.model")
		models[v.AsString()] += p.count
	}
	if want := map[string]uint64{"a": 2, "b": 1, "c": 1, "d": 1}; !maps.Equal(models, want) {
		t.Errorf("models in metrics %v, want %v", models, want)
	}
}

// TestOverflowIsBounded: past sli.DefaultMaxGroups combinations (none of
// the objectives is grouped) every new one, even one whose model is
// literally "_OTHER", shares the one all-"_OTHER" target, in the metrics too.
func TestOverflowIsBounded(t *testing.T) {
	r := newRig(t, objectives())
	n := sli.DefaultMaxGroups + 10
	for i := range n {
		model := "m"
		if i >= sli.DefaultMaxGroups && i%2 == 1 {
			model = "_OTHER"
		}
		call := r.inst.StartRequest(context.Background(), inferenceslo.Request{Provider: fmt.Sprintf("p%d", i), Model: model})
		r.clk.Advance(time.Millisecond)
		call.End(nil)
	}
	providers := map[string]uint64{}
	for _, p := range points(t, r.metrics(t)[genaiotel.MetricOperationDuration]) {
		v, _ := p.attrs.Value("gen_ai.provider.name")
		providers[v.AsString()] += p.count
	}
	if len(providers) != sli.DefaultMaxGroups+1 || providers["_OTHER"] != 10 {
		t.Errorf("%d providers in metrics, %d calls under _OTHER; want %d and 10", len(providers), providers["_OTHER"], sli.DefaultMaxGroups+1)
	}
}
