// Command quickstart is the README's quick start: the README shows this file
// whole, and a test keeps the two the same. It declares objectives, wraps a
// handler, mounts the endpoint on an admin listener, exports the metrics and
// keeps the budget across restarts.
//
//	cd examples && go run ./quickstart
package main

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	// 1. Declare objectives: plain values, every problem reported at once.
	//    The state file keeps the 30-day counts across restarts.
	tr, err := budget.New([]sli.Objective{
		{Name: "checkout-availability", Target: 0.999}, // 30 days rolling by default
		{Name: "checkout-latency", Kind: sli.Latency, Target: 0.99, Threshold: 300 * time.Millisecond},
	},
		budget.WithLogger(slog.Default()),
		budget.WithStore(state.NewFileStore("errbudget.state"), 10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	// Evaluate every 10 s (interval 0), so alerts are logged with nobody
	// reading, and snapshot every 10 s (WithStore above).
	go tr.Run(ctx, 0)

	// 2. Wrap the ServeMux: every completed request counts toward both.
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mw, err := httpslo.New(tr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mw.Handler(mux)}
	go srv.ListenAndServe()

	// 3. The endpoint, on an admin listener (or behind your auth):
	//    /slo JSON, /slo/ui dashboard, /slo/gate release gate.
	admin := http.NewServeMux()
	slo := endpoint.New(tr)
	admin.Handle("/slo", slo)
	admin.Handle("/slo/", slo)
	go http.ListenAndServe("127.0.0.1:9090", admin)

	// 4. OpenTelemetry: the state is read at each collection, nothing per
	//    request. Give it your MeterProvider (here one with no exporter).
	meterProvider := sdkmetric.NewMeterProvider()
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(meterProvider))
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()

	// On Ctrl-C: let the last requests be recorded, then save the state.
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
	tr.Close()
}
