package inferenceslo_test

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

// The options mean what the same options mean in the other adapters
// (issue 11, "adapters agree"): each test failed before.

// TestWithObjectivesTwiceReplaces: a later WithObjectives replaces an
// earlier one, as in httpslo and grpcslo (it used to append).
func TestWithObjectivesTwiceReplaces(t *testing.T) {
	r := newRig(t, objectives(), inferenceslo.WithObjectives("latency"), inferenceslo.WithObjectives("avail"))
	call := r.inst.Start(context.Background(), "m")
	call.End(nil)
	if st := r.status(t, "avail", ""); st.Good != 1 {
		t.Errorf("avail: good %d, want 1", st.Good)
	}
	if st := r.status(t, "latency", ""); st.Good+st.Bad+st.LifetimeExcluded != 0 {
		t.Errorf("latency counted %+v; the first WithObjectives should be replaced", st)
	}
}

// TestWithMeterProviderNilIsGlobal: WithMeterProvider(nil) means the global
// provider, as in budgetotel and otelhttp (it used to be an error).
func TestWithMeterProviderNilIsGlobal(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(mp)
	defer otel.SetMeterProvider(prev)

	tr, err := budget.New([]sli.Objective{{Name: "avail", Target: 0.99}})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := inferenceslo.New(tr, inferenceslo.WithMeterProvider(nil))
	if err != nil {
		t.Fatalf("WithMeterProvider(nil): %v", err)
	}
	call := inst.Start(context.Background(), "m")
	call.End(nil)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) == 0 {
		t.Error("nothing recorded on the global provider")
	}
}

// TestNewNilTrackerPanics: a nil tracker panics in every constructor, as in
// endpoint.New and http.Handle (it used to be an error here).
func TestNewNilTrackerPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	inferenceslo.New(nil)
}

// TestNilInstrumentTransport: a nil *Instrument records nothing, as its
// Start does; its Transport is the base itself (Transport(base, nil)
// panicked).
func TestNilInstrumentTransport(t *testing.T) {
	var in *inferenceslo.Instrument
	if got := in.Transport(http.DefaultTransport); got != http.DefaultTransport {
		t.Errorf("nil Instrument's Transport = %T, want the base", got)
	}
}
