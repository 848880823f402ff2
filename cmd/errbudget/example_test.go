package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// errbudget validate checks OpenSLO files before they reach a service or
// errbudget rules: every problem at once, each with its line.
func Example_validate() {
	dir, _ := os.MkdirTemp("", "errbudget-example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "checkout.yaml"), []byte(`apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow: [{duration: 30d, isRolling: true}]
  indicator:
    metadata: {name: checkout-availability}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: errbudget, spec: {query: x}}}
        total: {metricSource: {type: errbudget, spec: {kind: availability}}}
  objectives: [{target: 0.999}]
`), 0o644)
	os.WriteFile(filepath.Join(dir, "chat.yaml"), []byte(`apiVersion: openslo/v1
kind: SLO
metadata: {name: chat-latency}
spec:
  service: chat
  budgetingMethod: Timeslices
  timeWindow: [{duration: 7d, isRolling: true}]
  indicator:
    spec:
      ratioMetric:
        good: {metricSource: {type: errbudget, spec: {query: x}}}
        total: {metricSource: {type: errbudget, spec: {kind: latency}}}
  objectives: [{target: 99, timeSliceWindow: 2m}]
`), 0o644)

	var out bytes.Buffer
	code := run([]string{"validate", filepath.Join(dir, "checkout.yaml"), filepath.Join(dir, "chat.yaml")}, &out, &out)
	fmt.Print(strings.NewReplacer(dir+string(filepath.Separator), "", "\t", "  ").Replace(out.String()))
	fmt.Println("exit", code)
	// Output:
	// checkout.yaml: ok (service "checkout", 1 objective(s))
	// openslo: 4 problems:
	//   chat.yaml:12: SLO "chat-latency": spec.indicator.spec.ratioMetric.total.metricSource.spec.threshold: missing (kind latency compares with a threshold)
	//   chat.yaml:13: SLO "chat-latency": spec.objectives[0].target: want a ratio in (0, 0.9999999] (0.999, not 99.9), got 99
	//   chat.yaml:13: SLO "chat-latency": spec.objectives[0].timeSliceTarget: missing (Timeslices needs the ratio of good events that makes a slice good, in (0, 1])
	//   chat.yaml:13: SLO "chat-latency": spec.objectives[0].timeSliceWindow: errbudget's slices are 1m or 5m wide (they divide its 15-minute buckets, so a calendar month holds whole slices), got "2m"
	// exit 1
}
