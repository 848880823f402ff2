package budgetotel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/fixture"
	"github.com/errbudget/errbudget/sli"
)

// Issue 17 item 3, through a tracker: each time-slice objective (and
// group) exports its budget and what it spent in seconds, to the value, as
// the fixture's scripted traffic leads to; the occurrence objective beside
// them exports neither.
func TestSliceGaugesFromTracker(t *testing.T) {
	tr, _ := fixture.Slices(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	c := collect(t, reader)
	equal(t, budgetotel.BudgetAllowedName, points(t, c, budgetotel.BudgetAllowedName, "s", "gauge"), []point{
		{"slo.name=checkout-minutes", 2592}, // 43.2 minutes
		{"slo.name=checkout-ratio", 2592},
		{"slo.name=search-p95", 6048}, // 20.16 five-minute slices: 100.8 minutes
		{"slo.name=heartbeat", 864},   // 14.4 minutes
		{"slo.group=GET /a,slo.name=api-by-route", 2592},
		{"slo.group=GET /b,slo.name=api-by-route", 2592},
		{"slo.name=api-by-route", 2592}, // the overall entry, without slo.group
	})
	equal(t, budgetotel.BudgetSpentName, points(t, c, budgetotel.BudgetSpentName, "s", "gauge"), []point{
		{"slo.name=checkout-minutes", 720},     // 12 bad minutes
		{"slo.name=checkout-ratio", 736.80336}, // 12.280056 minutes: each outage minute whole, each other 1,667 millionths
		{"slo.name=search-p95", 1800},          // 6 bad 5-minute slices
		{"slo.name=heartbeat", 300},            // 5 silent minutes
		{"slo.group=GET /a,slo.name=api-by-route", 600},
		{"slo.group=GET /b,slo.name=api-by-route", 600},
		{"slo.name=api-by-route", 900}, // overall: a minute is bad when either route's is, 10–24
	})
}

// An occurrence objective's export is what it was before time slices: the
// six instruments, no more.
func TestOccurrencesExportNoSliceGauges(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.01}.Run(clk, s, time.Hour)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	var names []string
	for n := range collect(t, reader).metrics {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{budgetotel.AlertFiringName, budgetotel.BurnRateName, budgetotel.BudgetRemainingName, budgetotel.EventsName, budgetotel.ObjectiveName, budgetotel.SLIName}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("metrics %v, want %v", names, want)
	}
}
