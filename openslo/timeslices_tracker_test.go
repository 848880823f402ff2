package openslo_test

import (
	"math"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/openslo"
)

// OpenSLO's worked examples, read from the file, run in a tracker: the
// budget it reports is the example's (a total outage of 16 h 48 min spends
// the 2-week budget at 95%; a week at 99.95% allows 5 min 2.4 s).
func TestOpenSLOWorkedExamplesRun(t *testing.T) {
	for _, c := range []struct {
		name    string
		doc     string
		period  int64
		allowed time.Duration
	}{
		{"budgeting-method", sliceSLO("service-availability", "    - duration: 2w\n      isRolling: true\n", "Timeslices",
			"    - target: 0.95\n      timeSliceTarget: 0.99\n      timeSliceWindow: 1m\n"), 20160, 16*time.Hour + 48*time.Minute},
		{"treat-low-traffic", sliceSLO("service-availability", "    - duration: 1w\n      isRolling: true\n", "Timeslices",
			"    - target: 0.9995\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n"), 10080, 5*time.Minute + 2400*time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := openslo.Unmarshal([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			clk := budgettest.NewClock(start)
			tr, err := budget.New(d.Objectives, append(d.Options(), budget.WithClock(clk.Now))...)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			st := tr.Status()[0]
			if st.Slices == nil {
				t.Fatal("no slice budget")
			}
			if st.Slices.Period != c.period || st.Slices.AllowedTime() != c.allowed {
				t.Errorf("period %d slices, budget %v; want %d, %v", st.Slices.Period, st.Slices.AllowedTime(), c.period, c.allowed)
			}
			if c.name != "budgeting-method" {
				return
			}
			// A total outage (one call a second, every one failing) of
			// 16 h 48 min spends the budget, one minute less leaves a
			// minute of it.
			s, err := tr.Series("service-availability", "")
			if err != nil {
				t.Fatal(err)
			}
			outage := budgettest.Traffic{Rate: 1, ErrorRatio: 1}
			outage.Run(clk, s, c.allowed-time.Minute)
			st = tr.Status()[0]
			if got := st.Slices.Spent; got != 1007 || !st.Remaining.Valid || math.Abs(st.Remaining.Value-1.0/1008) > 1e-9 {
				t.Errorf("after 16h47m: %v slices spent, remaining %v", got, st.Remaining)
			}
			outage.Run(clk, s, time.Minute)
			clk.Advance(time.Second) // the last slice closes
			st = tr.Status()[0]
			if got := st.Slices.Spent; got != 1008 || !st.Remaining.Valid || math.Abs(st.Remaining.Value) > 1e-9 {
				t.Errorf("after 16h48m: %v slices spent, remaining %v", got, st.Remaining)
			}
		})
	}
}
