package budgetotel_test

import (
	"context"
	"fmt"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

func ExampleNew() {
	clk := budgettest.NewClock(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	tracker, _ := budget.New([]sli.Objective{
		{Name: "checkout-availability", Target: 0.999},
	}, budget.WithClock(clk.Now))

	// Any reader works: a Prometheus exporter, an OTLP periodic reader.
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	reg, err := budgetotel.New(tracker, budgetotel.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	defer reg.Close()

	// An hour of traffic, one call in 2,000 failing: half the budget.
	checkout, _ := tracker.Series("checkout-availability", "")
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.0005}.Run(clk, checkout, time.Hour)

	var rm metricdata.ResourceMetrics
	reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch d := m.Data.(type) {
		case metricdata.Gauge[float64]:
			if m.Name != "slo.burn_rate" {
				fmt.Printf("%s %v\n", m.Name, d.DataPoints[0].Value)
			}
		case metricdata.Sum[int64]:
			// Data points come in no particular order.
			byOutcome := map[string]int64{}
			for _, p := range d.DataPoints {
				outcome, _ := p.Attributes.Value("slo.outcome")
				byOutcome[outcome.AsString()] = p.Value
			}
			fmt.Printf("%s good %d, bad %d\n", m.Name, byOutcome["good"], byOutcome["bad"])
		}
	}
	// Output:
	// slo.events good 35982, bad 18
	// slo.objective 0.999
	// slo.sli 0.9995
	// slo.error_budget.remaining 0.5
}

// Many series: the same metrics as New's, handed to the reader as finished
// data, without the SDK's aggregation.
func ExampleNewProducer() {
	clk := budgettest.NewClock(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	tracker, _ := budget.New([]sli.Objective{
		{Name: "checkout-availability", Target: 0.999},
	}, budget.WithClock(clk.Now))

	// The Producer goes to the reader: sdkmetric.WithProducer here, or
	// the Prometheus exporter's WithProducer. No budgetotel.New beside it.
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(budgetotel.NewProducer(tracker)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	checkout, _ := tracker.Series("checkout-availability", "")
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.0005}.Run(clk, checkout, time.Hour)

	var rm metricdata.ResourceMetrics
	reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if d, ok := m.Data.(metricdata.Gauge[float64]); ok && m.Name == "slo.error_budget.remaining" {
			fmt.Printf("%s %v (%s)\n", m.Name, d.DataPoints[0].Value, rm.ScopeMetrics[0].Scope.Name)
		}
	}
	// Output:
	// slo.error_budget.remaining 0.5 (github.com/errbudget/errbudget/budgetotel)
}
