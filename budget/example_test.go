package budget_test

import (
	"fmt"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// A tracker counts calls toward its objectives and answers, at any instant,
// how much of the error budget is left.
func ExampleTracker() {
	clk := budgettest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{
		{Name: "checkout", Target: 0.999}, // availability over 30 days
		{Name: "checkout-latency", Kind: sli.Latency, Target: 0.99, Threshold: 300 * time.Millisecond},
	}, budget.WithClock(clk.Now))
	if err != nil {
		panic(err)
	}
	// Resolve the series once, when wiring; record on every call.
	avail, _ := tr.Series("checkout", "")
	lat, _ := tr.Series("checkout-latency", "")
	calls := budget.Set{avail, lat}

	for i := range 2000 {
		e := sli.Event{Time: clk.Advance(time.Second), Duration: 120 * time.Millisecond, Outcome: sli.Good}
		if i == 1234 {
			e.Outcome = sli.Bad // one failure in 2,000 calls
		}
		if i%200 == 0 {
			e.Duration = 450 * time.Millisecond // one slow call in 200
		}
		calls.Record(e)
	}
	for _, st := range tr.Status() {
		fmt.Printf("%s: %d good, %d bad, SLI %.4f, budget remaining %.2f, policy %s, releases allowed %v\n",
			st.Objective.Name, st.Good, st.Bad, st.SLI.Value, st.Remaining.Value, st.PolicyState, st.ReleaseAllowed)
	}
	// Output:
	// checkout: 1999 good, 1 bad, SLI 0.9995, budget remaining 0.50, policy healthy, releases allowed true
	// checkout-latency: 1989 good, 10 bad, SLI 0.9950, budget remaining 0.50, policy healthy, releases allowed true
}

// Alert rules default to the SRE Workbook's; their thresholds scale with the
// period.
func ExampleAlertRule_Threshold() {
	for _, r := range budget.DefaultAlertRules() {
		fmt.Printf("%-9s %-6s long %-4v short %-4v burn > %.4g (30d), %.4g (28d)\n", r.Name, r.Severity,
			r.LongWindow, r.ShortWindow, r.Threshold(30*24*time.Hour), r.Threshold(28*24*time.Hour))
	}
	// Output:
	// page-1h   page   long 1h0m0s short 5m0s burn > 14.4 (30d), 13.44 (28d)
	// page-6h   page   long 6h0m0s short 30m0s burn > 6 (30d), 5.6 (28d)
	// ticket-1d ticket long 24h0m0s short 2h0m0s burn > 3 (30d), 2.8 (28d)
	// ticket-3d ticket long 72h0m0s short 6h0m0s burn > 1 (30d), 1 (28d)
}

// The arithmetic is available as plain functions of counts.
func ExampleBurnRate() {
	// 144 failures in 10,000 calls against a 99.9% target.
	fmt.Printf("%.1f\n", budget.BurnRate(10000-144, 144, 0.999).Value)
	// No calls: no data, never NaN.
	fmt.Println(budget.BurnRate(0, 0, 0.999).Valid)
	// Output:
	// 14.4
	// false
}

// Scripted traffic in a test: does an outage page within ten minutes?
func Example_outageTest() {
	clk := budgettest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	tr, _ := budget.New([]sli.Objective{{Name: "api", Target: 0.999}}, budget.WithClock(clk.Now))
	api, _ := tr.Series("api", "")

	budgettest.Traffic{Rate: 20}.Run(clk, api, 24*time.Hour)                    // a clean day
	budgettest.Traffic{Rate: 20, ErrorRatio: 0.1}.Run(clk, api, 10*time.Minute) // then 10% errors
	for _, a := range tr.Status()[0].Firing() {
		fmt.Println(a.Rule.Name, "fires")
	}
	// Output:
	// page-1h fires
}

// New checks the declarations and the options, and reports every problem at
// once.
func ExampleNew() {
	_, err := budget.New([]sli.Objective{
		{Name: "checkout", Target: 99.9}, // a percentage, not a ratio
		{Name: "search", Target: 0.99, Window: sli.Rolling(-time.Hour)},
	}, budget.WithService(" "))
	fmt.Println(err)
	// Output:
	// sli: objective "checkout": target must be in (0,1), got 99.9
	// sli: objective "search": window must be positive, got -1h0m0s
	// budget: WithService: the service name is empty
}

// A status can carry the burn-down curve: how the period's budget was
// spent, as the dashboard draws it.
func ExampleWithBurnDown() {
	clk := budgettest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	tr, _ := budget.New([]sli.Objective{{Name: "api", Target: 0.99, Window: sli.Rolling(4 * time.Hour)}}, budget.WithClock(clk.Now))
	api, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, api, 2*time.Hour)
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.02}.Run(clk, api, time.Hour)
	budgettest.Traffic{Rate: 10}.Run(clk, api, time.Hour)

	st := tr.Status(budget.WithBurnDown(4))[0]
	for _, p := range st.BurnDown.Points {
		fmt.Printf("%s %.2f\n", p.Time.Format("15:04"), p.Remaining.Value)
	}
	fmt.Printf("status: %.2f remaining\n", st.Remaining.Value)
	// Output:
	// 00:00 1.00
	// 01:00 1.00
	// 02:00 1.00
	// 03:00 0.50
	// 04:00 0.50
	// status: 0.50 remaining
}

// The gate answers whether releases may go out: not while a non-advisory
// objective's budget is exhausted.
func ExampleTracker_Gate() {
	clk := budgettest.NewClock(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	tr, _ := budget.New([]sli.Objective{
		{Name: "checkout", Target: 0.999},
		{Name: "search", Target: 0.99, Advisory: true}, // watched, never freezes
	}, budget.WithClock(clk.Now))
	checkout, _ := tr.Series("checkout", "")
	search, _ := tr.Series("search", "")

	budgettest.Traffic{Rate: 1}.Run(clk, checkout, time.Hour)
	fmt.Println("allowed:", tr.Gate().Allowed)

	calls := budget.Set{checkout, search}
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.05}.Run(clk, calls, time.Hour)
	g := tr.Gate()
	for _, r := range g.Reasons {
		fmt.Printf("frozen by %s: %s, %.1f remaining\n", r.Objective, r.State, r.Remaining.Value)
	}
	fmt.Println("allowed:", g.Allowed)
	// Output:
	// allowed: true
	// frozen by checkout: exhausted, -24.0 remaining
	// allowed: false
}
