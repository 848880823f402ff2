package budgetotel_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// After a restart slo.events starts again from zero (this process's events
// only), while the budget keeps the restored totals. Before the fix the
// counter was restored: after a crash it fell back to the last snapshot's
// value, and Prometheus's reset handling added that whole value again to
// every increase() across the restart.
func TestEventsCounterStartsAtZeroAfterRestart(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "state")
	objs := []sli.Objective{
		{Name: "api", Target: 0.99},
		{Name: "chat", Target: 0.99, GroupBy: "model"},
	}
	start := func() *budget.Tracker {
		tr, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path), time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	record := func(tr *budget.Tracker, good, bad int) {
		api, _ := tr.Series("api", "")
		gpt, _ := tr.Series("chat", "gpt")
		for i := 0; i < good+bad; i++ {
			e := sli.Event{Time: clk.Now(), Outcome: sli.Good}
			if i < bad {
				e.Outcome = sli.Bad
			}
			api.Record(e)
			gpt.Record(e)
		}
	}
	events := func(tr *budget.Tracker) map[string]float64 {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		defer mp.Shutdown(context.Background())
		reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Close()
		out := map[string]float64{}
		for _, p := range points(t, collect(t, reader), "slo.events", "{event}", "counter") {
			out[p.attrs] = p.value
		}
		return out
	}

	first := start()
	record(first, 90, 10)
	if err := first.Close(); err != nil { // the last snapshot
		t.Fatal(err)
	}
	clk.Advance(time.Minute)

	second := start()
	record(second, 8, 2)
	want := map[string]float64{
		"slo.name=api,slo.outcome=good":                8,
		"slo.name=api,slo.outcome=bad":                 2,
		"slo.group=gpt,slo.name=chat,slo.outcome=good": 8,
		"slo.group=gpt,slo.name=chat,slo.outcome=bad":  2,
	}
	got := events(second)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("slo.events{%s} = %v after the restart, want %v (this process's events only)", k, got[k], v)
		}
	}
	// The budget keeps everything: restored and new.
	for _, st := range second.Status() {
		if st.Good != 98 || st.Bad != 12 {
			t.Errorf("%s/%s: status counts %d good, %d bad, want 98 and 12", st.Objective.Name, st.Group, st.Good, st.Bad)
		}
	}
	api, _ := second.Series("api", "")
	if g, b := api.Lifetime(); g != 98 || b != 12 {
		t.Errorf("Lifetime = %d, %d; want 98, 12 (restored included)", g, b)
	}
	if g, b := api.Counted(); g != 8 || b != 2 {
		t.Errorf("Counted = %d, %d; want 8, 2", g, b)
	}
}
