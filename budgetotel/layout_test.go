package budgetotel_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// want is every point the export must observe for statuses and counts,
// by instrument, derived from the status alone.
func want(statuses []budget.Status, counted map[string][2]int64) map[string][]point {
	w := map[string][]point{}
	for _, st := range statuses {
		base := "slo.name=" + st.Objective.Name
		if st.Objective.GroupBy != "" {
			base = "slo.group=" + st.Group + "," + base
		}
		c := counted[base]
		w["slo.events"] = append(w["slo.events"],
			point{base + ",slo.outcome=good", float64(c[0])}, point{base + ",slo.outcome=bad", float64(c[1])})
		w["slo.objective"] = append(w["slo.objective"], point{base, st.Objective.Target})
		if st.SLI.Valid {
			w["slo.sli"] = append(w["slo.sli"], point{base, st.SLI.Value})
		}
		if st.Remaining.Valid {
			w["slo.error_budget.remaining"] = append(w["slo.error_budget.remaining"], point{base, st.Remaining.Value})
		}
		for _, b := range st.BurnRates {
			if b.Rate.Valid {
				w["slo.burn_rate"] = append(w["slo.burn_rate"], point{base + ",slo.window=" + b.Window, b.Rate.Value})
			}
		}
		for _, a := range st.Alerts {
			f := 0.0
			if a.Firing {
				f = 1
			}
			w["slo.alert.firing"] = append(w["slo.alert.firing"],
				point{"slo.alert.name=" + a.Rule.Name + ",slo.alert.severity=" + a.Rule.Severity.String() + "," + base, f})
		}
	}
	return w
}

// The callback finds a series' attribute sets by its position in the
// previous collection. Groups created between collections move every
// series after them; each point must still carry its own series'
// attributes and value: every instrument's points equal what the status
// says, collection after collection, while groups appear in both
// objectives (the first objective's new groups shift all of the
// second's).
func TestSeriesThatMoveKeepTheirAttributes(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		{Name: "a", Target: 0.999, GroupBy: "route"},
		{Name: "b", Target: 0.99, GroupBy: "route"},
		{Name: "c", Kind: sli.Latency, Target: 0.9, Threshold: time.Second},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	counted := map[string][2]int64{}
	record := func(obj, route string, bad bool) {
		s, err := tr.Series(obj, route)
		if err != nil {
			t.Fatal(err)
		}
		e := sli.Event{Time: clk.Now(), Outcome: sli.Good, Duration: time.Millisecond}
		key := "slo.name=" + obj
		if route != "" {
			key = "slo.group=" + route + "," + key
		}
		c := counted[key]
		if bad {
			e.Outcome = sli.Bad
			c[1]++
		} else {
			c[0]++
		}
		counted[key] = c
		s.Record(e)
	}
	record("c", "", false)
	for round := range 6 {
		// Round r adds route r to a (before all of b's series), and to
		// b every other round; every route gets a good event, the odd
		// ones a bad one too.
		for _, obj := range []string{"a", "b"} {
			if obj == "b" && round%2 == 1 {
				continue
			}
			route := fmt.Sprintf("/r%d", round)
			record(obj, route, false)
			if round%2 == 1 {
				record(obj, route, true)
			}
		}
		clk.Advance(2 * time.Second)
		c := collect(t, reader)
		w := want(tr.StatusAt(clk.Now()), counted)
		for _, in := range []struct{ name, unit, kind string }{
			{"slo.events", "{event}", "counter"}, {"slo.objective", "1", "gauge"}, {"slo.sli", "1", "gauge"},
			{"slo.error_budget.remaining", "1", "gauge"}, {"slo.burn_rate", "1", "gauge"}, {"slo.alert.firing", "1", "gauge"},
		} {
			equal(t, fmt.Sprintf("round %d: %s", round, in.name), points(t, c, in.name, in.unit, in.kind), w[in.name])
		}
	}
}

// Two readers collecting at once while groups appear, and a Producer
// producing for two collectors: the layout each keeps is shared by its
// readers (run with -race).
func TestConcurrentCollectionsWhileGroupsAppear(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.999, GroupBy: "route", MaxGroups: 500}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := sdkmetric.NewManualReader(), sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r1), sdkmetric.WithReader(r2))
	defer mp.Shutdown(context.Background())
	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp), budgetotel.WithInterval(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	produced := sdkmetric.NewManualReader(sdkmetric.WithProducer(budgetotel.NewProducer(tr, budgetotel.WithInterval(time.Nanosecond))))
	mp2 := sdkmetric.NewMeterProvider(sdkmetric.WithReader(produced))
	defer mp2.Shutdown(context.Background())
	var wg sync.WaitGroup
	for _, r := range []*sdkmetric.ManualReader{r1, r2, produced, produced} {
		wg.Go(func() {
			for range 50 {
				collect(t, r)
			}
		})
	}
	for i := range 200 {
		s, err := tr.Series("a", fmt.Sprintf("/r%d", i))
		if err != nil {
			t.Fatal(err)
		}
		s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good})
		clk.Advance(time.Millisecond)
	}
	wg.Wait()
	clk.Advance(time.Second)
	c := collect(t, r1)
	if got := len(points(t, c, "slo.objective", "1", "gauge")); got != 200 {
		t.Errorf("%d slo.objective points, want 200", got)
	}
	if got := len(points(t, c, "slo.burn_rate", "1", "gauge")); got != 8*200 {
		t.Errorf("%d slo.burn_rate points, want %d", got, 8*200)
	}
}
