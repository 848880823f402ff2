package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budgetotel"
)

// BenchmarkScaleOTelSDK splits BenchmarkScaleOTelCollect's collection,
// each part against the same Gather of n HistogramVec label sets.
//
// export is the collection with the status already computed (the clock
// does not move, so the shared status cache serves every collection):
// what budgetotel and the SDK cost by themselves.
//
// bare has no errbudget code at all: the SDK collecting the contract's six
// instruments from one callback that observes, for each of the n series,
// the same 17 points (2 slo.events, slo.objective, slo.sli,
// slo.error_budget.remaining, 8 slo.burn_rate, 4 slo.alert.firing) with
// attribute sets and option slices built before the benchmark. It is the
// floor any export of the contract's streams through the SDK's
// aggregation pays.
//
//	go test -run '^$' -bench 'ScaleOTel' -benchmem -count 5 -cpu 1
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
			vsPeerInterleaved(b, peer, collect)
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
			vsPeerInterleaved(b, peer, func() {
				if err := reader.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			})
			if got := points(&rm); got != 17*n {
				b.Fatalf("%d points, want %d", got, 17*n)
			}
		})
		b.Run(fmt.Sprintf("producer/series=%d", n), func(b *testing.B) {
			peer := promPeer(n)
			reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(newBareProducer(n)))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			var rm metricdata.ResourceMetrics
			vsPeerInterleaved(b, peer, func() {
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

// bareProducer is the same 17 points a series as bareExport, handed to
// the reader as finished data (sdkmetric.Producer) instead of observed
// through instruments: no aggregation, no attribute-set lookup. It
// measures what an export that bypassed the SDK's aggregation would cost
// (budgetotel does not offer one: see docs/contract.md "OpenTelemetry").
type bareProducer struct {
	n               int
	base, good, bad []attribute.Set
	windows, alerts [][]attribute.Set
	start           time.Time
}

func newBareProducer(n int) *bareProducer {
	p := &bareProducer{n: n, start: time.Now()}
	for i := range n {
		name := "availability"
		if i%2 == 1 {
			name = "latency"
		}
		base := []attribute.KeyValue{budgetotel.NameKey.String(name), budgetotel.GroupKey.String(fmt.Sprintf("/api/v1/r%04d", i/2))}
		with := func(kvs ...attribute.KeyValue) attribute.Set {
			return attribute.NewSet(append(append([]attribute.KeyValue(nil), base...), kvs...)...)
		}
		p.base = append(p.base, with())
		p.good = append(p.good, with(budgetotel.OutcomeKey.String("good")))
		p.bad = append(p.bad, with(budgetotel.OutcomeKey.String("bad")))
		var ws, as []attribute.Set
		for _, w := range []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "period"} {
			ws = append(ws, with(budgetotel.WindowKey.String(w)))
		}
		for _, a := range [][2]string{{"page-1h", "page"}, {"page-6h", "page"}, {"ticket-1d", "ticket"}, {"ticket-3d", "ticket"}} {
			as = append(as, with(budgetotel.AlertNameKey.String(a[0]), budgetotel.AlertSeverityKey.String(a[1])))
		}
		p.windows, p.alerts = append(p.windows, ws), append(p.alerts, as)
	}
	return p
}

// Produce builds fresh data points each time: the reader's exporter may
// keep them.
func (p *bareProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	now := time.Now()
	n := p.n
	events := make([]metricdata.DataPoint[int64], 0, 2*n)
	objective := make([]metricdata.DataPoint[float64], 0, n)
	sli := make([]metricdata.DataPoint[float64], 0, n)
	remaining := make([]metricdata.DataPoint[float64], 0, n)
	burn := make([]metricdata.DataPoint[float64], 0, 8*n)
	firing := make([]metricdata.DataPoint[int64], 0, 4*n)
	f := func(s attribute.Set, v float64) metricdata.DataPoint[float64] {
		return metricdata.DataPoint[float64]{Attributes: s, StartTime: p.start, Time: now, Value: v}
	}
	d := func(s attribute.Set, v int64) metricdata.DataPoint[int64] {
		return metricdata.DataPoint[int64]{Attributes: s, StartTime: p.start, Time: now, Value: v}
	}
	for i := range n {
		events = append(events, d(p.good[i], 12345), d(p.bad[i], 67))
		objective = append(objective, f(p.base[i], 0.999))
		sli = append(sli, f(p.base[i], 0.9995))
		remaining = append(remaining, f(p.base[i], 0.5))
		for _, w := range p.windows[i] {
			burn = append(burn, f(w, 0.5))
		}
		for _, a := range p.alerts[i] {
			firing = append(firing, d(a, 0))
		}
	}
	gauge := func(name string, pts []metricdata.DataPoint[float64]) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Unit: "1", Data: metricdata.Gauge[float64]{DataPoints: pts}}
	}
	return []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "bare"},
		Metrics: []metricdata.Metrics{
			{Name: budgetotel.EventsName, Unit: "{event}", Data: metricdata.Sum[int64]{DataPoints: events, Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}},
			gauge(budgetotel.ObjectiveName, objective), gauge(budgetotel.SLIName, sli), gauge(budgetotel.BudgetRemainingName, remaining),
			gauge(budgetotel.BurnRateName, burn),
			{Name: budgetotel.AlertFiringName, Unit: "1", Data: metricdata.Gauge[int64]{DataPoints: firing}},
		},
	}}, nil
}

// vsPeerInterleaved is vsPeer with the peer timed between the subject's
// runs rather than after all of them: each of the b.N rounds times one
// run of the subject, then Gathers for at least 10 ms, each side after a
// collection of the heap. On a machine whose load changes from second to
// second (shared cores), both sides then see the same load, and the ratio
// (x-prom) holds where the two times alone do not. ns/op and allocs/op are
// the subject's alone.
func vsPeerInterleaved(b *testing.B, peer *prometheus.Registry, subject func()) {
	b.ReportAllocs()
	var sub, pr time.Duration
	runs := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		subject()
		sub += time.Since(start)
		b.StopTimer()
		runtime.GC()
		start = time.Now()
		for k := 0; k == 0 || time.Since(start) < 10*time.Millisecond; k++ {
			if _, err := peer.Gather(); err != nil {
				b.Fatal(err)
			}
			runs++
		}
		pr += time.Since(start)
		b.StartTimer()
	}
	b.StopTimer()
	pns := float64(pr.Nanoseconds()) / float64(runs)
	b.ReportMetric(pns, "prom-ns/op")
	b.ReportMetric(float64(sub.Nanoseconds())/float64(b.N)/pns, "x-prom")
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
