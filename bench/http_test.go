package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	gohttpmetrics "github.com/slok/go-http-metrics/metrics/prometheus"
	gohttpmiddleware "github.com/slok/go-http-metrics/middleware"
	gohttpstd "github.com/slok/go-http-metrics/middleware/std"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

// The HTTP middleware benchmarks: what one request costs through errbudget's
// middleware beside the bare mux and the metrics middleware people already
// run. All four serve the same ServeMux (one route, a trivial handler) by
// calling ServeHTTP directly with a fresh httptest.ResponseRecorder, so the
// difference from HTTPBare is the middleware's own cost.
//
// Targets (issue 3): Errbudget − Bare ≤ 0.5 × (PeerGoHTTPMetrics − Bare) in
// ns/op, and at most one allocation more than Bare (ErrbudgetOutcomeContext
// shows what httpslo.WithOutcomeContext adds):
//
//	go test -run '^$' -bench 'HTTP' -benchmem -count 5 -cpu 1 | tee http.txt
//	benchstat http.txt

// httpMux is the mux every HTTP benchmark serves.
func httpMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})
	return mux
}

func benchHTTP(b *testing.B, h http.Handler) {
	r := httptest.NewRequest("GET", "/hello/gopher", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

func BenchmarkHTTPBare(b *testing.B) {
	benchHTTP(b, httpMux())
}

// BenchmarkHTTPErrbudget counts every request toward two objectives, an
// availability objective and a latency objective grouped by route, with the
// tracker exported to an OpenTelemetry SDK MeterProvider (budgetotel), as a
// service would run it. The export reads counters at collection only; it
// adds nothing per request, which is the point.
func BenchmarkHTTPErrbudget(b *testing.B) {
	benchHTTP(b, errbudgetHandler(b))
}

// BenchmarkHTTPErrbudgetOutcomeContext is BenchmarkHTTPErrbudget with
// httpslo.WithOutcomeContext, so that handler code may call SetOutcome: the
// price of a request copy whose context carries the call.
func BenchmarkHTTPErrbudgetOutcomeContext(b *testing.B) {
	benchHTTP(b, errbudgetHandler(b, httpslo.WithOutcomeContext()))
}

func errbudgetHandler(b *testing.B, opts ...httpslo.Option) http.Handler {
	tr, err := budget.New([]sli.Objective{
		{Name: "availability", Target: 0.999},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 300 * time.Millisecond, GroupBy: sli.GroupByRoute},
	})
	if err != nil {
		b.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { mp.Shutdown(context.Background()) })
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { reg.Close() })
	m, err := httpslo.New(tr, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return m.Handler(httpMux())
}

// BenchmarkHTTPPeerGoHTTPMetrics is github.com/slok/go-http-metrics with its
// Prometheus recorder (a request-duration histogram, a response-size
// histogram and an in-flight gauge), wrapping the whole mux.
func BenchmarkHTTPPeerGoHTTPMetrics(b *testing.B) {
	mdlw := gohttpmiddleware.New(gohttpmiddleware.Config{
		Recorder: gohttpmetrics.NewRecorder(gohttpmetrics.Config{Registry: prometheus.NewRegistry()}),
	})
	benchHTTP(b, gohttpstd.Handler("", mdlw, httpMux()))
}

// BenchmarkHTTPPeerOtelhttp is otelhttp with a metrics-only SDK
// MeterProvider (a ManualReader) and a no-op tracer.
func BenchmarkHTTPPeerOtelhttp(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(b.Context())
	benchHTTP(b, otelhttp.NewHandler(httpMux(), "server",
		otelhttp.WithMeterProvider(mp), otelhttp.WithTracerProvider(noop.NewTracerProvider())))
}
