package openslo_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
)

// Write the declarations, read them back, start a tracker from them.
func Example() {
	d := openslo.Declarations{
		Service: "checkout",
		Objectives: []sli.Objective{
			{Name: "checkout-latency", Kind: sli.Latency, Target: 0.99, Threshold: 300 * time.Millisecond,
				Window: sli.CalendarMonth("Asia/Kathmandu")},
		},
		AlertRules: budget.DefaultAlertRules(),
	}
	file, _, err := openslo.Marshal(d, openslo.YAML)
	if err != nil {
		panic(err)
	}
	back, err := openslo.Unmarshal(file)
	if err != nil {
		panic(err)
	}
	tr, err := budget.New(back.Objectives, back.Options()...)
	if err != nil {
		panic(err)
	}
	o := tr.Objectives()[0]
	fmt.Println(tr.Service(), o.Name, o.Kind, o.Target, o.Threshold, o.Window, len(tr.AlertRules()))
	// Output: checkout checkout-latency latency 0.99 300ms month Asia/Kathmandu 4
}

// Every problem comes back at once, each with its line.
func ExampleUnmarshal_problems() {
	file := `apiVersion: openslo/v1
kind: SLO
metadata:
  name: Checkout_API
spec:
  service: shop
  indicator:
    spec:
      ratioMetric:
        good: {metricSource: {type: errbudget, spec: {query: x}}}
        total: {metricSource: {type: errbudget, spec: {kind: availability}}}
  timeWindow:
    - {duration: 30d, isRolling: true}
    - {duration: 7d, isRolling: true}
  budgetingMethod: Timeslices
  objectives:
    - target: 99.9
      timeSliceWindow: 2m
`
	_, err := openslo.Unmarshal([]byte(file))
	fmt.Println(strings.ReplaceAll(err.Error(), "\t", "  "))
	// Output:
	// openslo: 5 problems:
	//   line 4: SLO "Checkout_API": metadata.name: "Checkout_API" is not an RFC 1123 label (at most 63 of a-z, 0-9, '-'; a letter or digit at both ends); errbudget would write it as "checkout-api"
	//   line 12: SLO "Checkout_API": spec.timeWindow: want exactly one time window, got 2
	//   line 17: SLO "Checkout_API": spec.objectives[0].target: want a ratio in (0, 0.9999999] (0.999, not 99.9), got 99.9
	//   line 17: SLO "Checkout_API": spec.objectives[0].timeSliceTarget: missing (Timeslices needs the ratio of good events that makes a slice good, in (0, 1])
	//   line 18: SLO "Checkout_API": spec.objectives[0].timeSliceWindow: errbudget's slices are 1m or 5m wide (they divide its 15-minute buckets, so a calendar month holds whole slices), got "2m"
}
