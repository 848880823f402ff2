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
  objectives: [{target: 99}]
`), 0o644)

	var out bytes.Buffer
	code := run([]string{"validate", filepath.Join(dir, "checkout.yaml"), filepath.Join(dir, "chat.yaml")}, &out, &out)
	fmt.Print(strings.NewReplacer(dir+string(filepath.Separator), "", "\t", "  ").Replace(out.String()))
	fmt.Println("exit", code)
	// Output:
	// checkout.yaml: ok (service "checkout", 1 objective(s))
	// openslo: 3 problems:
	//   chat.yaml:6: SLO "chat-latency": spec.budgetingMethod: Timeslices is not supported yet: errbudget budgets Occurrences
	//   chat.yaml:12: SLO "chat-latency": spec.indicator.spec.ratioMetric.total.metricSource.spec.threshold: missing (kind latency compares with a threshold)
	//   chat.yaml:13: SLO "chat-latency": spec.objectives[0].target: want a ratio in (0, 0.9999999] (0.999, not 99.9), got 99
	// exit 1
}
