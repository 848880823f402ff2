package budgetotel_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// manySeries returns a tracker with one objective grouped over n routes,
// each with one good and one bad event, so that every series observes all
// six instruments: 2 slo.events streams, 1 slo.objective, 1 slo.sli, 1
// slo.error_budget.remaining, 8 slo.burn_rate and 4 slo.alert.firing.
func manySeries(t *testing.T, n int) (*budget.Tracker, *budgettest.Clock) {
	t.Helper()
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999, GroupBy: "route", MaxGroups: n}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		s, err := tr.Series("api", fmt.Sprintf("/r/%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		s.Record(sli.Event{Time: t0, Outcome: sli.Good})
		s.Record(sli.Event{Time: t0, Outcome: sli.Bad})
	}
	clk.Advance(time.Minute)
	return tr, clk
}

// streams counts each instrument's points in one collection, and the
// points that carry the SDK's overflow attribute.
func streams(t *testing.T, r *sdkmetric.ManualReader) (perInstrument map[string]int, overflow map[string]int, groups map[string]map[string]bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	perInstrument, overflow, groups = map[string]int{}, map[string]int{}, map[string]map[string]bool{}
	see := func(name string, s attribute.Set) {
		if v, ok := s.Value("otel.metric.overflow"); ok && v.AsBool() {
			overflow[name]++
			return
		}
		perInstrument[name]++
		g, _ := s.Value(budgetotel.GroupKey)
		w, _ := s.Value(budgetotel.WindowKey)
		o, _ := s.Value(budgetotel.OutcomeKey)
		a, _ := s.Value(budgetotel.AlertNameKey)
		if groups[name] == nil {
			groups[name] = map[string]bool{}
		}
		groups[name][g.AsString()+"|"+w.AsString()+"|"+o.AsString()+"|"+a.AsString()] = true
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					see(m.Name, p.Attributes)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					see(m.Name, p.Attributes)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					see(m.Name, p.Attributes)
				}
			default:
				t.Fatalf("%s: data %T", m.Name, m.Data)
			}
		}
	}
	return perInstrument, overflow, groups
}

// Issue 13, target 3: with the provider's limit raised (and New told), 2,000
// series lose nothing: every stream of every instrument reads back, none
// in the overflow point, and the Registration reports no loss.
func TestCardinalityRaisedLimitLosesNothing(t *testing.T) {
	const n = 2000
	tr, _ := manySeries(t, n)
	const limit = 8*n + 1 // slo.burn_rate: 8 streams a series, plus the overflow slot
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(limit))
	defer mp.Shutdown(context.Background())
	var logs bytes.Buffer
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp), budgetotel.WithCardinalityLimit(limit),
		budgetotel.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	got, overflow, groups := streams(t, reader)
	want := map[string]int{
		budgetotel.EventsName: 2 * n, budgetotel.ObjectiveName: n, budgetotel.SLIName: n,
		budgetotel.BudgetRemainingName: n, budgetotel.BurnRateName: 8 * n, budgetotel.AlertFiringName: 4 * n,
	}
	for name, w := range want {
		if got[name] != w || len(groups[name]) != w {
			t.Errorf("%s: %d points (%d distinct), want %d", name, got[name], len(groups[name]), w)
		}
	}
	if len(overflow) != 0 {
		t.Errorf("overflow points: %v", overflow)
	}
	if o := reg.Overflow(); o.Limit != limit || o.Streams != nil || o.Total() != 0 {
		t.Errorf("Overflow() = %+v, want none at limit %d", o, limit)
	}
	if logs.Len() != 0 {
		t.Errorf("logged without a loss: %s", logs.String())
	}
}

// Issue 13, target 3: at the SDK's default limit (2,000: 1,999 streams an
// instrument), 400 series lose 1,201 slo.burn_rate streams (8 a series)
// and nothing else (slo.alert.firing carries 4 a series); the Registration reports exactly what the SDK folded
// into its overflow point, and the loss is logged once.
func TestCardinalityDefaultLimitReportsLoss(t *testing.T) {
	const n = 400
	tr, _ := manySeries(t, n)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)) // the SDK's default limit
	defer mp.Shutdown(context.Background())
	var logs bytes.Buffer
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp),
		budgetotel.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if o := reg.Overflow(); o.Limit != budgetotel.DefaultCardinalityLimit || o.Total() != 0 {
		t.Errorf("before a collection: %+v", o)
	}
	for round := range 2 {
		got, overflow, _ := streams(t, reader)
		const kept = budgetotel.DefaultCardinalityLimit - 1
		lostBurn := 8*n - kept
		if lostBurn != 1201 {
			t.Fatalf("arithmetic: %d", lostBurn)
		}
		// What the SDK kept and folded, read back.
		if got[budgetotel.BurnRateName] != kept || got[budgetotel.AlertFiringName] != 4*n || got[budgetotel.EventsName] != 2*n {
			t.Errorf("round %d: points %v", round, got)
		}
		if overflow[budgetotel.BurnRateName] != 1 || len(overflow) != 1 {
			t.Errorf("round %d: overflow points %v", round, overflow)
		}
		o := reg.Overflow()
		want := map[string]int{budgetotel.BurnRateName: lostBurn}
		if o.Limit != budgetotel.DefaultCardinalityLimit || fmt.Sprint(o.Streams) != fmt.Sprint(want) || o.Total() != lostBurn {
			t.Errorf("round %d: Overflow() = %+v, want %v", round, o, want)
		}
	}
	if c := strings.Count(logs.String(), "level=WARN"); c != 1 {
		t.Errorf("logged %d times, want once:\n%s", c, logs.String())
	}
	for _, s := range []string{"cardinality_limit=2000", "streams_lost=1201", "slo.burn_rate=1201", "WithCardinalityLimit"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logs.String())
		}
	}
}

// Below the limit nothing is reported; a limit of 0 or less means none.
func TestCardinalityNoLimit(t *testing.T) {
	tr, _ := manySeries(t, 300)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(0))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp), budgetotel.WithCardinalityLimit(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	got, overflow, _ := streams(t, reader)
	if got[budgetotel.BurnRateName] != 2400 || len(overflow) != 0 {
		t.Errorf("points %v, overflow %v", got, overflow)
	}
	if o := reg.Overflow(); o.Limit != 0 || o.Total() != 0 {
		t.Errorf("Overflow() = %+v", o)
	}
}
