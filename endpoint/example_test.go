package endpoint_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/sli"
)

func ExampleNew() {
	clk := budgettest.NewClock(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	tracker, _ := budget.New([]sli.Objective{
		{Name: "checkout-availability", Target: 0.999},
	}, budget.WithClock(clk.Now))

	mux := http.NewServeMux()
	h := endpoint.New(tracker)
	mux.Handle("/slo", h)  // JSON
	mux.Handle("/slo/", h) // /slo/ui, /slo/gate

	// An hour of traffic with 1% errors spends ten times the budget.
	checkout, _ := tracker.Series("checkout-availability", "")
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.01}.Run(clk, checkout, time.Hour)

	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/slo/gate")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.Status)
	fmt.Print(string(body))
	// Output:
	// 423 Locked
	// {
	//   "release_allowed": false,
	//   "reasons": [
	//     {
	//       "objective": "checkout-availability",
	//       "group": "",
	//       "state": "exhausted",
	//       "remaining": -9
	//     }
	//   ],
	//   "unjudged": [],
	//   "generated_at": "2026-01-05T01:00:00Z"
	// }
}

// Too few events to judge: five failures in six calls spend the budget many
// times over, but the policy waits for 100 events in the period. The gate
// lets the release through and says it did so without a verdict.
func ExampleNew_unjudged() {
	clk := budgettest.NewClock(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	tracker, _ := budget.New([]sli.Objective{
		{Name: "checkout-availability", Target: 0.999},
	}, budget.WithClock(clk.Now))
	checkout, _ := tracker.Series("checkout-availability", "")
	checkout.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good})
	checkout.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 5)

	rec := httptest.NewRecorder()
	endpoint.New(tracker).ServeHTTP(rec, httptest.NewRequest("GET", "/gate", nil))
	fmt.Println(rec.Code)
	fmt.Print(rec.Body.String())
	// Output:
	// 200
	// {
	//   "release_allowed": true,
	//   "reasons": [],
	//   "unjudged": [
	//     {
	//       "objective": "checkout-availability",
	//       "group": "",
	//       "events": 6,
	//       "events_needed": 100
	//     }
	//   ],
	//   "generated_at": "2026-01-05T00:00:00Z"
	// }
}
