package bench

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budgetotel"
)

// BenchmarkScaleOTelSDK splits BenchmarkScaleOTelCollect's collection in
// two, each against the same Gather of n HistogramVec label sets:
//
//   - export: the collection with the status already computed (the clock
//     does not move, so the shared status cache serves every collection):
//     what budgetotel and the SDK cost by themselves.
//
//   - bare: no errbudget code at all: the SDK collecting the contract's
//     six instruments from one callback that observes, for each of the n
//     series, the same 17 points (2 slo.events, slo.objective, slo.sli,
//     slo.error_budget.remaining, 8 slo.burn_rate, 4 slo.alert.firing)
//     with attribute sets and option slices built before the benchmark.
//     It is the floor any export of the contract's streams through the
//     SDK's default aggregation pays.
//
//     go test -run '^$' -bench 'ScaleOTel' -benchmem -count 5 -cpu 1
func BenchmarkScaleOTelSDK(b *testing.B) {
	for _, n := range []int{400, 1000} {
		b.Run(fmt.Sprintf("export/series=%d", n), func(b *testing.B) {
			tr, _ := scaleTracker(b, "otel", n)
			peer := promPeer(n)
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(8*n+1))
			defer mp.Shutdown(context.Background())
			reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp), budgetotel.WithCardinalityLimit(8*n+1))
			if err != nil {
				b.Fatal(err)
			}
			defer reg.Close()
			var rm metricdata.ResourceMetrics
			collect := func() {
				if err := reader.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			}
			collect() // computes the status the benchmark then reuses
			vsPeer(b, peer, collect)
			if got := points(&rm); got != 17*n {
				b.Fatalf("%d points, want %d", got, 17*n)
			}
		})
		b.Run(fmt.Sprintf("bare/series=%d", n), func(b *testing.B) {
			peer := promPeer(n)
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(8*n+1))
			defer mp.Shutdown(context.Background())
			if err := bareExport(mp.Meter("bare"), n); err != nil {
				b.Fatal(err)
			}
			var rm metricdata.ResourceMetrics
			vsPeer(b, peer, func() {
				if err := reader.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			})
			if got := points(&rm); got != 17*n {
				b.Fatalf("%d points, want %d", got, 17*n)
			}
		})
	}
}

// points counts the data points of a collection.
func points(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				n += len(d.DataPoints)
			case metricdata.Gauge[int64]:
				n += len(d.DataPoints)
			case metricdata.Gauge[float64]:
				n += len(d.DataPoints)
			}
		}
	}
	return n
}

// bareExport registers the contract's instruments on m with one callback
// observing n series' 17 points from attribute sets built here, once.
func bareExport(m metric.Meter, n int) error {
	events, err1 := m.Int64ObservableCounter(budgetotel.EventsName, metric.WithUnit("{event}"))
	objective, err2 := m.Float64ObservableGauge(budgetotel.ObjectiveName, metric.WithUnit("1"))
	sli, err3 := m.Float64ObservableGauge(budgetotel.SLIName, metric.WithUnit("1"))
	remaining, err4 := m.Float64ObservableGauge(budgetotel.BudgetRemainingName, metric.WithUnit("1"))
	burn, err5 := m.Float64ObservableGauge(budgetotel.BurnRateName, metric.WithUnit("1"))
	firing, err6 := m.Int64ObservableGauge(budgetotel.AlertFiringName, metric.WithUnit("1"))
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			return err
		}
	}
	type series struct {
		base, good, bad []metric.ObserveOption
		windows, alerts [][]metric.ObserveOption
	}
	opts := func(kvs ...attribute.KeyValue) []metric.ObserveOption {
		return []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
	}
	var all []series
	for i := range n {
		name := "availability"
		if i%2 == 1 {
			name = "latency"
		}
		base := []attribute.KeyValue{budgetotel.NameKey.String(name), budgetotel.GroupKey.String(fmt.Sprintf("/api/v1/r%04d", i/2))}
		with := func(kvs ...attribute.KeyValue) []metric.ObserveOption {
			return opts(append(append([]attribute.KeyValue(nil), base...), kvs...)...)
		}
		s := series{base: with(), good: with(budgetotel.OutcomeKey.String("good")), bad: with(budgetotel.OutcomeKey.String("bad"))}
		for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "period"} {
			s.windows = append(s.windows, with(budgetotel.WindowKey.String(w)))
		}
		for _, a := range [][2]string{{"page-1h", "page"}, {"page-6h", "page"}, {"ticket-1d", "ticket"}, {"ticket-3d", "ticket"}} {
			s.alerts = append(s.alerts, with(budgetotel.AlertNameKey.String(a[0]), budgetotel.AlertSeverityKey.String(a[1])))
		}
		all = append(all, s)
	}
	_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for i := range all {
			s := &all[i]
			o.ObserveInt64(events, 12345, s.good...)
			o.ObserveInt64(events, 67, s.bad...)
			o.ObserveFloat64(objective, 0.999, s.base...)
			o.ObserveFloat64(sli, 0.9995, s.base...)
			o.ObserveFloat64(remaining, 0.5, s.base...)
			for _, w := range s.windows {
				o.ObserveFloat64(burn, 0.5, w...)
			}
			for _, a := range s.alerts {
				o.ObserveInt64(firing, 0, a...)
			}
		}
		return nil
	}, events, objective, sli, remaining, burn, firing)
	return err
}
