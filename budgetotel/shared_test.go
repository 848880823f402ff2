package budgetotel_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/sharedstatus"
	"github.com/errbudget/errbudget/sli"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body.String())
	}
	return w
}

// Issue 13, target 1's last point: the endpoint and the OpenTelemetry
// export share one status cache, so a scrape and a GET in the same instant
// compute the status once, whichever comes first, however many run at once.
func TestEndpointAndExportShareOneComputation(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}, {Name: "chat", Target: 0.99, GroupBy: "model"}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.01}.Run(clk, api, time.Hour)
	h := endpoint.New(tr)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	shared := sharedstatus.For(tr)
	base := shared.Computations()
	collectOnce := func() {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Error(err)
		}
	}

	// A GET, then a scrape, then the dashboard: one computation.
	get(t, h, "/")
	collectOnce()
	get(t, h, "/ui")
	if n := shared.Computations() - base; n != 1 {
		t.Errorf("GET, scrape, GET in one instant: %d computations, want 1", n)
	}
	// The next interval: a scrape first, then a GET; still one.
	clk.Advance(time.Second)
	collectOnce()
	get(t, h, "/openslo")
	get(t, h, "/")
	if n := shared.Computations() - base; n != 2 {
		t.Errorf("after the next interval: %d computations, want 2", n)
	}
	// Many at once, of both kinds: one.
	clk.Advance(time.Second)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(collectOnce)
		wg.Go(func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		})
	}
	wg.Wait()
	if n := shared.Computations() - base; n != 3 {
		t.Errorf("concurrent scrapes and GETs: %d computations, want 3", n)
	}
}

// The endpoint says what the export lost: /slo's otel_overflow, present
// while a budgetotel registration is open, exact at the default limit.
func TestEndpointReportsExportOverflow(t *testing.T) {
	tr, clk := manySeries(t, 400)
	h := endpoint.New(tr)
	var doc struct {
		OTelOverflow *struct {
			CardinalityLimit int            `json:"cardinality_limit"`
			StreamsLost      int            `json:"streams_lost"`
			ByInstrument     map[string]int `json:"by_instrument"`
		} `json:"otel_overflow"`
	}
	read := func() {
		t.Helper()
		doc.OTelOverflow = nil
		if err := json.Unmarshal(get(t, h, "/").Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if doc.OTelOverflow != nil {
		t.Errorf("otel_overflow without an export: %+v", doc.OTelOverflow)
	}

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp), budgetotel.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	// The collection shared the GET's snapshot, rendered before it ran:
	// the next interval's shows the loss.
	clk.Advance(time.Second)
	read()
	o := doc.OTelOverflow
	if o == nil || o.CardinalityLimit != 2000 || o.StreamsLost != 1201 || len(o.ByInstrument) != 1 || o.ByInstrument["slo.burn_rate"] != 1201 {
		t.Errorf("otel_overflow = %+v, want 1201 slo.burn_rate streams at 2000", o)
	}
	reg.Close()
	clk.Advance(time.Second)
	read()
	if doc.OTelOverflow != nil {
		t.Errorf("otel_overflow after Close: %+v", doc.OTelOverflow)
	}
}
