package budgetotel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// countingObserver counts observations; it keeps nothing, so that what
// allocates in a collection is the callback's own doing.
type countingObserver struct {
	embedded.Observer
	n int
}

func (o *countingObserver) ObserveFloat64(metric.Float64Observable, float64, ...metric.ObserveOption) {
	o.n++
}

func (o *countingObserver) ObserveInt64(metric.Int64Observable, int64, ...metric.ObserveOption) {
	o.n++
}

// The callback allocates nothing per collection once the series' attribute
// sets exist: no option slice per observation, no lookup structure, no
// report, whatever the number of series (the status computation itself
// is cached here, as between two collections within the interval).
func TestObserveAllocatesNothing(t *testing.T) {
	const routes = 50
	clk := budgettest.NewClock(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{
		{Name: "availability", Target: 0.999, GroupBy: "route"},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: time.Second, GroupBy: "route"},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for i := range routes {
		for _, o := range []string{"availability", "latency"} {
			s, err := tr.Series(o, fmt.Sprintf("/r/%d", i))
			if err != nil {
				t.Fatal(err)
			}
			s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good, Duration: time.Millisecond})
			s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad, Duration: time.Millisecond})
		}
	}
	clk.Advance(time.Minute)
	reg, err := New(tr, WithMeterProvider(noop.NewMeterProvider()))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	var o countingObserver
	if err := reg.v.observe(context.Background(), &o); err != nil {
		t.Fatal(err)
	}
	if want := 2 * routes * 17; o.n != want {
		t.Fatalf("%d observations, want %d", o.n, want)
	}
	allocs := testing.AllocsPerRun(20, func() { reg.v.observe(context.Background(), &o) })
	if allocs != 0 {
		t.Errorf("%v allocations a collection of %d series, want 0", allocs, 2*routes)
	}
}
