package budgetotel_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/fixture"
	"github.com/errbudget/errbudget/sli"
)

var _ sdkmetric.Producer = (*budgetotel.Producer)(nil)

// The Producer hands a reader exactly what New's instruments give it:
// the same scope, metrics, units, descriptions, kinds and points
// (attributes and values), collection after collection while groups
// appear.
func TestProducerAgreesWithInstruments(t *testing.T) {
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
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.01}.Run(clk, api, time.Hour)

	instruments := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(instruments))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	produced := sdkmetric.NewManualReader(sdkmetric.WithProducer(budgetotel.NewProducer(tr)))
	mp2 := sdkmetric.NewMeterProvider(sdkmetric.WithReader(produced))
	defer mp2.Shutdown(context.Background())

	for round := range 4 {
		if round > 0 {
			s, _ := tr.Series("chat", fmt.Sprintf("m%d", round))
			s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good})
			if round%2 == 0 {
				s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad})
			}
			clk.Advance(2 * time.Second)
		}
		agree(t, fmt.Sprint("round ", round), collect(t, instruments), collect(t, produced), 6)
	}
}

// Time-slice objectives, and the overall entry of a grouped one (no
// slo.group): the Producer's slice gauges agree with the instruments'.
func TestProducerAgreesOnSlices(t *testing.T) {
	tr, _ := fixture.Slices(t)
	instruments := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(instruments))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	produced := sdkmetric.NewManualReader(sdkmetric.WithProducer(budgetotel.NewProducer(tr)))
	mp2 := sdkmetric.NewMeterProvider(sdkmetric.WithReader(produced))
	defer mp2.Shutdown(context.Background())
	agree(t, "slices", collect(t, instruments), collect(t, produced), 8)
}

// agree checks that b holds what a holds, metric by metric (want of them).
func agree(t *testing.T, round string, a, b collected, want int) {
	t.Helper()
	if a.scope != budgetotel.ScopeName || b.scope != a.scope {
		t.Errorf("%s: scopes %q, %q", round, a.scope, b.scope)
	}
	if len(a.metrics) != want || len(b.metrics) != len(a.metrics) {
		t.Fatalf("%s: %d metrics from the instruments, %d produced, want %d", round, len(a.metrics), len(b.metrics), want)
	}
	for name, m := range a.metrics {
		p, ok := b.metrics[name]
		if !ok {
			t.Errorf("%s: %s not produced", round, name)
			continue
		}
		if p.Unit != m.Unit || p.Description != m.Description {
			t.Errorf("%s: %s: unit %q, description %q; the instrument's %q, %q", round, name, p.Unit, p.Description, m.Unit, m.Description)
		}
		if fmt.Sprintf("%T", p.Data) != fmt.Sprintf("%T", m.Data) {
			t.Errorf("%s: %s: %T, the instrument's %T", round, name, p.Data, m.Data)
		}
		if ps, ok := p.Data.(metricdata.Sum[int64]); ok {
			ms := m.Data.(metricdata.Sum[int64])
			if ps.Temporality != ms.Temporality || ps.IsMonotonic != ms.IsMonotonic {
				t.Errorf("%s: %s: %v monotonic %v, the instrument's %v %v", round, name, ps.Temporality, ps.IsMonotonic, ms.Temporality, ms.IsMonotonic)
			}
		}
		kind := "gauge"
		if name == budgetotel.EventsName {
			kind = "counter"
		}
		equal(t, round+": "+name, points(t, b, name, m.Unit, kind), points(t, a, name, m.Unit, kind))
	}
}

// A Produce allocates the same whatever the number of series: the points'
// arrays, not a thing per point (the status computation is cached here, as
// between two collections within the interval).
func TestProducerAllocationsDoNotGrowWithSeries(t *testing.T) {
	allocs := func(n int) float64 {
		tr, _ := manySeries(t, n)
		p := budgetotel.NewProducer(tr)
		if _, err := p.Produce(context.Background()); err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(10, func() { p.Produce(context.Background()) })
	}
	small, large := allocs(10), allocs(500)
	if large != small || large > 16 {
		t.Errorf("a Produce allocates %v times at 10 series, %v at 500; want the same, at most 16", small, large)
	}
}
