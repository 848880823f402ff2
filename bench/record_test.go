package bench

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// The recording benchmarks: what one completed call costs errbudget, beside
// the floor (one atomic add) and the histogram a service would otherwise
// observe per call (Prometheus, OpenTelemetry SDK). Each runs serial (one
// goroutine) and parallel (b.RunParallel, one goroutine per P): the parallel
// figure shows whether cores contend for the same cache lines.
//
// Compare with benchstat:
//
//	go test -run '^$' -bench . -benchmem -count 5 -cpu 2 | tee new.txt
//	benchstat new.txt

// latencies are the call durations every recording benchmark cycles
// through: 1024 values spread log-uniformly from 100 µs to 2.5 s, so that
// every histogram sees the same spread of buckets, and a fixed share of the
// calls (those above 2 s) miss the latency objective.
var latencies = func() [1024]time.Duration {
	var t [1024]time.Duration
	lo, hi := math.Log(float64(100*time.Microsecond)), math.Log(float64(2500*time.Millisecond))
	for i := range t {
		t[i] = time.Duration(math.Exp(lo + (hi-lo)*float64(i)/float64(len(t)-1)))
	}
	return t
}()

// latencySeconds is latencies in seconds, as the peers take them.
var latencySeconds = func() [1024]float64 {
	var t [1024]float64
	for i, d := range latencies {
		t[i] = d.Seconds()
	}
	return t
}()

const latencyMask = len(latencies) - 1

// benchStart is the fixed instant the benchmarks' events complete at.
var benchStart = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func BenchmarkAtomicAdd(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		var n atomic.Int64
		for range b.N {
			n.Add(1)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n.Add(1)
			}
		})
	})
}

// recordSet returns the series a middleware would resolve at wiring time for
// a route counted by two objectives: availability 99.9% and latency under
// 2 s for 99%, both over 30 days.
//
// The tracker's clock reads a day after benchStart and never moves: events
// complete between benchStart and then, so none is dropped as from the
// future, and the clock is read only on the slow path, as in production.
func recordSet(b *testing.B) budget.Set {
	b.Helper()
	month := sli.Rolling(30 * 24 * time.Hour)
	tr, err := budget.New([]sli.Objective{
		{Name: "availability", Kind: sli.Availability, Target: 0.999, Window: month},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second, Window: month},
	}, budget.WithClock(func() time.Time { return benchStart.Add(24 * time.Hour) }))
	if err != nil {
		b.Fatal(err)
	}
	var set budget.Set
	for _, name := range []string{"availability", "latency"} {
		s, err := tr.Series(name, "")
		if err != nil {
			b.Fatal(err)
		}
		set = append(set, s)
	}
	return set
}

func BenchmarkRecord(b *testing.B) {
	// serial advances the completion time by 1 µs per call, as a service
	// answering a million calls a second would: the first call of every
	// 10-second bucket takes the rotation (slow) path, once every 10,000
	// calls, far more often than real traffic makes it.
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		set := recordSet(b)
		b.ResetTimer()
		at := benchStart
		for i := range b.N {
			set.Record(sli.Event{Time: at, Duration: latencies[i&latencyMask], Outcome: sli.Good})
			at = at.Add(time.Microsecond)
		}
	})
	// parallel keeps the completion time fixed. Goroutines advancing their
	// own times would drift apart, and the one behind would record every
	// call as a late event (under the series mutex), which no real clock
	// does; rotation is measured by serial.
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		set := recordSet(b)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				set.Record(sli.Event{Time: benchStart, Duration: latencies[i&latencyMask], Outcome: sli.Good})
				i++
			}
		})
	})
}

func promHistogram() prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "http_server_request_duration_seconds",
		Help:    "Duration of HTTP server requests.",
		Buckets: prometheus.DefBuckets,
	})
}

func BenchmarkPeerPromHistogramObserve(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		h := promHistogram()
		b.ResetTimer()
		for i := range b.N {
			h.Observe(latencySeconds[i&latencyMask])
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		h := promHistogram()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Observe(latencySeconds[i&latencyMask])
				i++
			}
		})
	})
}

// otelHistogram returns an SDK histogram read by a manual reader (so no
// export runs during the benchmark) and the attribute option resolved once,
// as an instrumentation that precomputes its attribute sets would.
func otelHistogram(b *testing.B) (metric.Float64Histogram, metric.RecordOption) {
	b.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	h, err := mp.Meter("github.com/errbudget/errbudget/bench").Float64Histogram(
		"http.server.request.duration", metric.WithUnit("s"))
	if err != nil {
		b.Fatal(err)
	}
	attrs := attribute.NewSet(
		attribute.String("http.request.method", "POST"),
		attribute.String("http.route", "/v1/chat"),
		attribute.Int("http.response.status_code", 200),
	)
	return h, metric.WithAttributeSet(attrs)
}

func BenchmarkPeerOTelHistogramRecord(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		h, opt := otelHistogram(b)
		b.ResetTimer()
		for i := range b.N {
			h.Record(ctx, latencySeconds[i&latencyMask], opt)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		h, opt := otelHistogram(b)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Record(ctx, latencySeconds[i&latencyMask], opt)
				i++
			}
		})
	})
}
