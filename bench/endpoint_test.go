package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/sli"
)

// The read side: what the endpoint and the OpenTelemetry export cost. None
// of it runs per request of the application; these figures bound what an
// operator's browser, a deploy pipeline or a scraper costs the process.
//
//	go test -run '^$' -bench 'Endpoint|OTelCollect' -benchmem -count 5 -cpu 1 | tee read.txt
//	benchstat read.txt
//
// "cached" asks within the interval (1 s) of the last computation, which is
// what a flood of requests gets: the rendered bytes, copied. "computed"
// moves the tracker's clock past the interval first, so every request pays
// for the status (and the page).

// readTracker is the demo's shape: four objectives, one grouped by model
// over three models, filled with 30 days of traffic in 5-minute batches.
func readTracker(b *testing.B) (*budget.Tracker, *budgettest.Clock) {
	b.Helper()
	const window = 30 * 24 * time.Hour
	clk := budgettest.NewClock(benchStart)
	tr, err := budget.New([]sli.Objective{
		{Name: "availability", Target: 0.999},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second},
		{Name: "ttft", Kind: sli.TimeToFirstToken, Target: 0.98, Threshold: time.Second, GroupBy: "model"},
		{Name: "quality", Kind: sli.Quality, Target: 0.95, MinScore: 0.7},
	}, budget.WithClock(clk.Now))
	if err != nil {
		b.Fatal(err)
	}
	var sets []budget.Set
	for _, m := range []string{"small", "medium", "large"} {
		var set budget.Set
		for _, o := range []string{"availability", "latency", "ttft", "quality"} {
			s, _ := tr.Series(o, m)
			set = append(set, s)
		}
		sets = append(sets, set)
	}
	for at := clk.Now(); at.Before(benchStart.Add(window)); at = clk.Advance(5 * time.Minute) {
		for i, set := range sets {
			e := sli.Event{Time: at, Outcome: sli.Good, Duration: 800 * time.Millisecond, FirstToken: 300 * time.Millisecond, Scored: true, Score: 0.9}
			for range 10 {
				set.Record(e)
			}
			if at.Minute()%(15*(i+1)) == 0 {
				e.Outcome, e.Score = sli.Bad, 0.2
				set.Record(e)
			}
		}
	}
	return tr, clk
}

func BenchmarkEndpoint(b *testing.B) {
	for _, path := range []string{"/slo", "/slo/gate", "/slo/ui"} {
		for _, computed := range []bool{false, true} {
			name := path[1:] + "/cached"
			if computed {
				name = path[1:] + "/computed"
			}
			b.Run(name, func(b *testing.B) {
				tr, clk := readTracker(b)
				h := endpoint.New(tr)
				mux := http.NewServeMux()
				mux.Handle("/slo", h)
				mux.Handle("/slo/", h)
				r := httptest.NewRequest("GET", path, nil)
				b.ReportAllocs()
				for b.Loop() {
					if computed {
						clk.Advance(time.Second)
					}
					w := httptest.NewRecorder()
					mux.ServeHTTP(w, r)
					if w.Code != http.StatusOK && w.Code != http.StatusLocked {
						b.Fatalf("%s: %d", path, w.Code)
					}
				}
			})
		}
	}
}

// BenchmarkOTelCollect is one collection of every slo.* instrument by an
// SDK ManualReader: 6 series, 8 burn-rate windows and 4 alerts each.
func BenchmarkOTelCollect(b *testing.B) {
	for _, computed := range []bool{false, true} {
		name := "cached"
		if computed {
			name = "computed"
		}
		b.Run(name, func(b *testing.B) {
			tr, clk := readTracker(b)
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
			if err != nil {
				b.Fatal(err)
			}
			defer reg.Close()
			var rm metricdata.ResourceMetrics
			b.ReportAllocs()
			for b.Loop() {
				if computed {
					clk.Advance(time.Second)
				}
				if err := reader.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
