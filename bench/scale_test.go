package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/sli"
)

// The read side at scale (issue 13): n series, two objectives (availability
// and latency under 500 ms) grouped by route over n/2 routes each, beside the
// peer doing the same work: a Prometheus registry Gather of one
// HistogramVec with the same n label sets. Every iteration advances the
// tracker's clock past the status interval, so the status cache never
// serves: each collection or request pays for the status.
//
//	go test -run '^$' -bench 'Scale' -benchmem -count 5 -cpu 1 | tee scale.txt
//	benchstat scale.txt
//
// The ratio to the peer is reported as x-prom (the peer runs in the same
// benchmark, after the subject, with the same b.N).

// scaleTracker is n series filled with a day of traffic in 5-minute
// batches (one bad call in 50 on every fifth route). Each benchmark (key)
// keeps its own across the runs testing makes while it sizes b.N: filling
// 1,000 series takes a while, and a tracker read by an endpoint computes
// burn-downs for every reader after (internal/sharedstatus).
func scaleTracker(b *testing.B, key string, n int) (*budget.Tracker, *budgettest.Clock) {
	b.Helper()
	scaleTrackers.Lock()
	defer scaleTrackers.Unlock()
	k := fmt.Sprint(key, n)
	if t, ok := scaleTrackers.m[k]; ok {
		return t.tr, t.clk
	}
	tr, clk := fillScale(b, n)
	scaleTrackers.m[k] = scaleEntry{tr, clk}
	return tr, clk
}

type scaleEntry struct {
	tr  *budget.Tracker
	clk *budgettest.Clock
}

var scaleTrackers = struct {
	sync.Mutex
	m map[string]scaleEntry
}{m: map[string]scaleEntry{}}

func fillScale(b *testing.B, n int) (*budget.Tracker, *budgettest.Clock) {
	clk := budgettest.NewClock(benchStart)
	tr, err := budget.New([]sli.Objective{
		{Name: "availability", Target: 0.999, GroupBy: "route", MaxGroups: n / 2},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 500 * time.Millisecond, GroupBy: "route", MaxGroups: n / 2},
	}, budget.WithClock(clk.Now))
	if err != nil {
		b.Fatal(err)
	}
	var sets []budget.Set
	for i := range n / 2 {
		var set budget.Set
		for _, o := range []string{"availability", "latency"} {
			s, err := tr.Series(o, fmt.Sprintf("/api/v1/r%04d", i))
			if err != nil {
				b.Fatal(err)
			}
			set = append(set, s)
		}
		sets = append(sets, set)
	}
	for at := clk.Now(); at.Before(benchStart.Add(24 * time.Hour)); at = clk.Advance(5 * time.Minute) {
		for i, set := range sets {
			e := sli.Event{Time: at, Outcome: sli.Good, Duration: 120 * time.Millisecond}
			for _, s := range set {
				s.RecordN(e, 49)
			}
			if i%5 == 0 {
				e.Outcome = sli.Bad
			}
			set.Record(e)
		}
	}
	return tr, clk
}

// promPeer is a registry with one HistogramVec (default buckets) holding n
// label sets, each observed.
func promPeer(n int) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds", Help: "Duration."}, []string{"objective", "route"})
	reg.MustRegister(h)
	for i := range n {
		o := "availability"
		if i%2 == 1 {
			o = "latency"
		}
		h.WithLabelValues(o, fmt.Sprintf("/api/v1/r%04d", i/2)).Observe(0.12)
	}
	return reg
}

// vsPeer runs subject b.N times as the benchmark proper, then the peer
// for as many runs and at least 200 ms, and reports the ratio. Each starts
// after a collection of the heap: the tracker's heap is large, and a
// garbage collection would otherwise land on whichever side allocates
// when it comes due, which for the cheap peer is most of its time.
func vsPeer(b *testing.B, peer *prometheus.Registry, subject func()) {
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		subject()
	}
	ns := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.StopTimer()
	runtime.GC()
	runs := 0
	start = time.Now()
	for runs < b.N || time.Since(start) < 200*time.Millisecond {
		if _, err := peer.Gather(); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	pns := float64(time.Since(start).Nanoseconds()) / float64(runs)
	b.ReportMetric(pns, "prom-ns/op")
	b.ReportMetric(ns/pns, "x-prom")
}

// BenchmarkScaleOTelCollect: one ManualReader collection of every slo.*
// instrument (the provider's limit raised so nothing overflows) against a
// Gather of the same number of HistogramVec label sets, timed between the
// collections (vsPeerInterleaved); then the same through
// budgetotel.Producer. BenchmarkScaleOTelSDK splits the first.
func BenchmarkScaleOTelCollect(b *testing.B) {
	for _, n := range []int{400, 1000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			tr, clk := scaleTracker(b, "otel", n)
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
			vsPeerInterleaved(b, peer, func() {
				clk.Advance(time.Second)
				if err := reader.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			})
			if o := reg.Overflow(); o.Total() != 0 {
				b.Fatalf("lost %v", o)
			}
		})
	}
	// The same collection through budgetotel.Producer, which bypasses the
	// SDK's aggregation.
	for _, n := range []int{400, 1000} {
		b.Run(fmt.Sprintf("producer/series=%d", n), func(b *testing.B) {
			tr, clk := scaleTracker(b, "otel", n)
			peer := promPeer(n)
			reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(budgetotel.NewProducer(tr)))
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			var rm metricdata.ResourceMetrics
			vsPeerInterleaved(b, peer, func() {
				clk.Advance(time.Second)
				if err := reader.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			})
			// 17 points a series, less the 5m burn rate once the
			// clock has left the day's last batch of traffic behind.
			if got := points(&rm); got < 16*n {
				b.Fatalf("%d points, want at least %d", got, 16*n)
			}
		})
	}
}

// BenchmarkScaleEndpoint: GET /slo and /slo/ui at 400 series against a
// Gather of 400 HistogramVec label sets.
func BenchmarkScaleEndpoint(b *testing.B) {
	const n = 400
	for _, path := range []string{"/slo", "/slo/ui"} {
		b.Run(fmt.Sprintf("%s/series=%d", path[1:], n), func(b *testing.B) {
			tr, clk := scaleTracker(b, "endpoint", n)
			peer := promPeer(n)
			h := endpoint.New(tr)
			mux := http.NewServeMux()
			mux.Handle("/slo", h)
			mux.Handle("/slo/", h)
			r := httptest.NewRequest("GET", path, nil)
			var size int
			vsPeer(b, peer, func() {
				clk.Advance(time.Second)
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, r)
				if w.Code != http.StatusOK && w.Code != http.StatusLocked {
					b.Fatalf("%s: %d", path, w.Code)
				}
				size = w.Body.Len()
			})
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

// BenchmarkScaleStatus is what stands under both: the status computation
// alone (StatusAt), and with the dashboard's burn-downs, against the same
// Gather, timed in turn with it (vsPeerInterleaved). Issue 13's target 1:
// x-prom ≤ 3 for the status of 400 series.
//
//	go test -run '^$' -bench 'ScaleStatus' -benchtime 30x -count 6 -cpu 1 | tee status.txt
func BenchmarkScaleStatus(b *testing.B) {
	for _, n := range []int{400, 1000} {
		for _, part := range []string{"status", "status+burndowns"} {
			b.Run(fmt.Sprintf("%s/series=%d", part, n), func(b *testing.B) {
				tr, clk := scaleTracker(b, "status", n)
				vsPeerInterleaved(b, promPeer(n), func() {
					now := clk.Advance(time.Second)
					if part == "status" {
						tr.StatusAt(now)
					} else {
						tr.StatusAt(now, budget.WithBurnDown(120))
					}
				})
			})
		}
	}
}
