package budgettest_test

import (
	"fmt"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// How long until 2% errors page, after a clean month, with the default
// alert rules.
func Example() {
	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tr, _ := budget.New([]sli.Objective{{Name: "checkout", Target: 0.999}}, budget.WithClock(clk.Now))
	s, _ := tr.Series("checkout", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 30*24*time.Hour)

	outage := budgettest.Phase{Traffic: budgettest.Traffic{Rate: 10, ErrorRatio: 0.02}, Duration: 4 * time.Hour}
	for _, d := range budgettest.Detect(clk, tr, s, 0, outage) {
		if d.Fired {
			fmt.Println(d.Rule, "fired after", d.FiredAfter)
		} else {
			fmt.Println(d.Rule, "did not fire")
		}
	}
	// Output:
	// page-1h fired after 43m20s
	// page-6h fired after 1h48m10s
	// ticket-1d fired after 3h36m20s
	// ticket-3d fired after 3h36m10s
}
