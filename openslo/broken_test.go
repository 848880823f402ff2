package openslo_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/openslo"
)

// valid is a small file errbudget runs; each broken file below edits it.
const valid = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout
spec:
  service: shop
  indicator:
    metadata:
      name: checkout
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: errbudget
            spec:
              query: sum(slo_events_total{slo_name="checkout",slo_outcome="good"})
        total:
          metricSource:
            type: errbudget
            spec:
              kind: latency
              threshold: 300ms
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
  alertPolicies:
    - alertPolicyRef: page
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: page
spec:
  conditions:
    - conditionRef: page
  notificationTargets:
    - targetRef: pager
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: page
  annotations:
    errbudget.dev/short-window: 5m
spec:
  severity: page
  condition:
    kind: burnrate
    op: gt
    threshold: 14.4
    lookbackWindow: 1h
`

func TestValidFixture(t *testing.T) {
	d, err := openslo.Unmarshal([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if d.Service != "shop" || len(d.Objectives) != 1 || len(d.AlertRules) != 1 || d.AlertRules[0].BurnRate != 14.4 {
		t.Errorf("%+v", d)
	}
}

// Each broken file gives an error that names the problem and its line.
func TestBrokenFiles(t *testing.T) {
	for _, c := range []struct {
		name     string
		old, new string // the edit of valid
		at       string // the problem's line is the first that holds this (in the edited file)
		line     int    // or this line
		want     string // in the problem's message or field
	}{
		{name: "unknown kind", old: "kind: SLO", new: "kind: SLOO", at: "kind: SLOO", want: `unknown kind "SLOO"`},
		{name: "two time windows", old: "    - duration: 30d\n      isRolling: true\n", new: "    - duration: 30d\n      isRolling: true\n    - duration: 7d\n      isRolling: true\n", at: "timeWindow:", want: "exactly one time window, got 2"},
		{name: "target 1.2", old: "target: 0.99", new: "target: 1.2", at: "target: 1.2", want: "want a ratio"},
		{name: "bad duration", old: "duration: 30d", new: "duration: 30x", at: "duration: 30x", want: `unknown unit`},
		{name: "bad time zone", old: "    - duration: 30d\n      isRolling: true\n", new: "    - duration: 1M\n      isRolling: false\n      calendar:\n        startTime: 2026-01-01 00:00:00\n        timeZone: Mars/Olympus_Mons\n", at: "timeZone:", want: "not an IANA time zone"},
		{name: "missing service", old: "  service: shop\n", new: "", at: "  indicator:", want: "spec.service: missing"},
		{name: "thresholdMetric with a kind we cannot run", old: "      ratioMetric:\n        counter: true\n        good:\n          metricSource:\n            type: errbudget\n            spec:\n              query: sum(slo_events_total{slo_name=\"checkout\",slo_outcome=\"good\"})\n        total:\n          metricSource:\n            type: errbudget\n            spec:\n              kind: latency\n              threshold: 300ms\n",
			new: "      thresholdMetric:\n        metricSource:\n          type: errbudget\n          spec:\n            kind: availability\n", at: "kind: availability", want: "a thresholdMetric of kind availability cannot run"},
		{name: "timeslices without a slice target", old: "budgetingMethod: Occurrences", new: "budgetingMethod: Timeslices", at: "    - target: 0.99", want: "timeSliceTarget: missing"},
		{name: "timeslices without a slice width", old: "budgetingMethod: Occurrences", new: "budgetingMethod: RatioTimeslices", at: "    - target: 0.99", want: "timeSliceWindow: missing"},
		{name: "slice width 2m", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceWindow: 2m\n", at: "timeSliceWindow", want: "1m or 5m wide"},
		{name: "slice width 1h", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceWindow: 1h\n", at: "timeSliceWindow", want: "1m or 5m wide"},
		{name: "slice width of 3 minutes as a number", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceWindow: 3\n", at: "timeSliceWindow", want: `got "3"`},
		{name: "slice width in seconds", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceWindow: 60s\n", at: "timeSliceWindow", want: "unknown unit"},
		{name: "slice target 95", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 95\n      timeSliceWindow: 1m\n", at: "timeSliceTarget", want: "(0.95, not 95)"},
		{name: "slice target 0", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 0\n      timeSliceWindow: 1m\n", at: "timeSliceTarget", want: "in (0, 1]"},
		{name: "slice target with ratio time slices", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 0.9\n      timeSliceWindow: 1m\n", at: "timeSliceTarget", want: "applies to Timeslices only"},
		{name: "empty slices with occurrences", old: "threshold: 300ms\n", new: "threshold: 300ms\n              emptySlices: bad\n", at: "emptySlices", want: "applies to Timeslices and RatioTimeslices budgeting only"},
		{name: "empty slices unknown", old: "threshold: 300ms\n", new: "threshold: 300ms\n              emptySlices: maybe\n", at: "emptySlices", want: "want good, bad or skipped"},
		{name: "slice width not dividing the window", old: "duration: 30d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "duration: 62m\n      isRolling: true\n  budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceWindow: 5m\n", at: "timeSliceWindow", want: "the rolling window (1h2m) is not a whole number of 5m slices"},
		{name: "unknown budgeting method with slice fields", old: "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", new: "budgetingMethod: TimeSlices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n", at: "budgetingMethod:", want: `unknown budgeting method "TimeSlices"`},
		{name: "unknown budgeting method", old: "budgetingMethod: Occurrences", new: "budgetingMethod: Sometimes", at: "budgetingMethod:", want: "unknown budgeting method"},
		{name: "name not RFC 1123", old: "  name: checkout\nspec:", new: "  name: Checkout_API\nspec:", at: "name: Checkout_API", want: "not an RFC 1123 label"},
		{name: "other apiVersion", old: "apiVersion: openslo/v1\nkind: SLO", new: "apiVersion: openslo.com/v2alpha\nkind: SLO", at: "apiVersion:", want: "errbudget reads openslo/v1"},
		{name: "metric source of another type", old: "            type: errbudget\n            spec:\n              kind", new: "            type: Prometheus\n            spec:\n              kind", at: "type: Prometheus", want: `"Prometheus" cannot run`},
		{name: "unknown field", old: "  budgetingMethod: Occurrences\n", new: "  budgetingMethod: Occurrences\n  budgetMethod: Occurrences\n", at: "budgetMethod:", want: "unknown field"},
		{name: "unknown errbudget kind", old: "kind: latency", new: "kind: speed", at: "kind: speed", want: `unknown kind "speed"`},
		{name: "bad threshold", old: "threshold: 300ms", new: "threshold: fast", at: "threshold: fast", want: "positive Go duration"},
		{name: "missing threshold", old: "              threshold: 300ms\n", new: "", at: "kind: latency", want: "compares with a threshold"},
		{name: "two objectives", old: "    - target: 0.99\n", new: "    - target: 0.99\n    - target: 0.95\n", at: "objectives:", want: "want exactly one objective"},
		{name: "op on a ratio objective", old: "    - target: 0.99\n", new: "    - target: 0.99\n      op: gte\n", at: "op: gte", want: "thresholdMetric indicator only"},
		{name: "reference to no policy", old: "alertPolicyRef: page", new: "alertPolicyRef: pages", at: "alertPolicyRef: pages", want: `no AlertPolicy named "pages"`},
		{name: "condition op gte", old: "op: gt", new: "op: gte", at: "op: gte", want: "op gt"},
		{name: "missing short window", old: "  annotations:\n    errbudget.dev/short-window: 5m\n", new: "", at: "kind: AlertCondition", line: -1, want: "short window"},
		{name: "severity", old: "severity: page", new: "severity: critical", at: "severity:", want: `got "critical"`},
		{name: "alert when no data", old: "  conditions:\n", new: "  alertWhenNoData: true\n  conditions:\n", at: "alertWhenNoData", want: "never alerts without data"},
		{name: "lookback beyond 3d", old: "lookbackWindow: 1h", new: "lookbackWindow: 7d", at: "lookbackWindow", want: "at most 3d"},
		{name: "indicatorRef", old: "  indicator:\n", new: "  indicatorRef: checkout\n  indicator:\n", at: "indicatorRef", want: "inline indicators only"},
		{name: "not YAML", old: "  objectives:\n", new: "  objectives: [\n", at: "", line: -2, want: "not YAML or JSON"},
		{name: "calendar quarter", old: "    - duration: 30d\n      isRolling: true\n", new: "    - duration: 1Q\n      isRolling: false\n      calendar:\n        startTime: 2026-01-01 00:00:00\n        timeZone: UTC\n", at: "duration: 1Q", want: `one month ("1M")`},
		{name: "calendar start mid-month", old: "    - duration: 30d\n      isRolling: true\n", new: "    - duration: 1M\n      isRolling: false\n      calendar:\n        startTime: 2026-01-15 00:00:00\n        timeZone: UTC\n", at: "startTime", want: "first at midnight"},
		{name: "target and targetPercent", old: "    - target: 0.99\n", new: "    - target: 0.99\n      targetPercent: 99\n", at: "targetPercent", want: "not both"},
		{name: "custom kind", old: "kind: latency\n              threshold: 300ms", new: "kind: custom", at: "kind: custom", want: "Go function (Classify)"},
		{name: "raw ratio", old: "        counter: true\n", new: "        counter: true\n        rawType: success\n", at: "rawType", want: "precomputed ratio"},
		{name: "unused condition", old: "    - conditionRef: page\n", new: "    - conditionRef: page\n    - conditionRef: page\n", at: "  conditions:", want: "exactly one condition"},
		{name: "time slice fields with occurrences", old: "    - target: 0.99\n", new: "    - target: 0.99\n      timeSliceWindow: 5m\n", at: "timeSliceWindow", want: "budgetingMethod is Occurrences"},
		{name: "slice target with occurrences", old: "    - target: 0.99\n", new: "    - target: 0.99\n      timeSliceTarget: 0.95\n", at: "timeSliceTarget", want: "budgetingMethod is Occurrences"},
		{name: "missing metric source", old: "        good:\n          metricSource:\n            type: errbudget\n            spec:\n              query: sum(slo_events_total{slo_name=\"checkout\",slo_outcome=\"good\"})\n", new: "        good:\n          metric: {}\n", at: "metric: {}", want: "good.metricSource: missing"},
		{name: "rolling month", old: "duration: 30d", new: "duration: 1M", at: "duration: 1M", want: "no fixed length"},
		// Review of issue 14: values and YAML features that were accepted
		// silently or reported in words that did not say what to do.
		{name: "alert when resolved false", old: "  conditions:\n", new: "  alertWhenResolved: false\n  conditions:\n", at: "alertWhenResolved", want: "alert resolves"},
		{name: "merge key", old: "  service: shop\n", new: "  <<: {service: shop}\n", at: "<<:", want: "merge keys (<<) are not supported"},
		// What the reader accepted must run and write back the same.
		{name: "blank service", old: "service: shop", new: `service: " "`, at: "service:", want: "blank"},
		{name: "description too long", old: "  service: shop\n", new: "  description: " + strings.Repeat("x", 1051) + "\n  service: shop\n", at: "description:", want: "1050"},
		{name: "tab indentation", old: "  service: shop", new: "\tservice: shop", at: "\tservice", want: "tabs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(valid, c.old) {
				t.Fatalf("the edit's old text is not in the valid file")
			}
			broken := strings.Replace(valid, c.old, c.new, 1)
			_, err := openslo.Unmarshal([]byte(broken))
			var e *openslo.Error
			if !errors.As(err, &e) {
				t.Fatalf("want an *openslo.Error, got %v", err)
			}
			line := c.line
			if c.at != "" && line == 0 {
				line = lineOf(broken, c.at)
			}
			for _, p := range e.Problems {
				if !strings.Contains(p.String(), c.want) {
					continue
				}
				switch {
				case line > 0 && p.Line != line:
					t.Errorf("problem %q at line %d, want line %d", p, p.Line, line)
				case line <= 0 && p.Line == 0:
					t.Errorf("problem %q has no line", p)
				}
				return
			}
			t.Errorf("no problem says %q:\n%v", c.want, err)
		})
	}
}

func lineOf(s, sub string) int {
	i := strings.Index(s, sub)
	if i < 0 {
		return -1
	}
	return strings.Count(s[:i], "\n") + 1
}

// Every problem comes back at once, in the order of the file.
func TestEveryProblemAtOnce(t *testing.T) {
	broken := strings.NewReplacer("target: 0.99", "target: 1.2", "duration: 30d", "duration: 30x", "severity: page", "severity: critical").Replace(valid)
	_, err := openslo.Unmarshal([]byte(broken))
	var e *openslo.Error
	if !errors.As(err, &e) || len(e.Problems) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	for i, want := range []string{"timeWindow[0].duration", "objectives[0].target", "spec.severity"} {
		if !strings.Contains(e.Problems[i].Field, want) {
			t.Errorf("problem %d: %v, want field %s", i, e.Problems[i], want)
		}
	}
	if n := strings.Count(err.Error(), "\n\tline "); n != 3 {
		t.Errorf("the error has %d lines with a line number:\n%v", n, err)
	}
}

// A syntax error says its line once, and a problem of an object without a
// kind has no stray ": " before its field.
func TestProblemWording(t *testing.T) {
	_, err := openslo.Unmarshal([]byte(strings.Replace(valid, "  objectives:\n", "  objectives: [\n", 1)))
	if err == nil || strings.Count(err.Error(), "line ") != 1 {
		t.Errorf("a syntax error should name its line once:\n%v", err)
	}
	_, err = openslo.Unmarshal([]byte("apiVersion: openslo/v1\nspec: {}\n"))
	var e *openslo.Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	for _, p := range e.Problems {
		if strings.HasPrefix(p.Field, ":") || strings.HasPrefix(p.Field, " ") {
			t.Errorf("field %q of problem %q", p.Field, p)
		}
	}
}

// An original name in errbudget.dev/name that is blank is a problem, not a
// service or rule that budget.New then refuses. ("" and " " map to labels
// of their hash.)
func TestBlankOriginalName(t *testing.T) {
	for _, c := range []struct{ name, in string }{
		{"service", strings.Replace(valid, "service: shop", "service: "+openslo.Name(""), 1) +
			"---\napiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: " + openslo.Name("") + "\n  annotations:\n    errbudget.dev/name: \"\"\nspec: {}\n"},
		{"alert policy", strings.NewReplacer("alertPolicyRef: page", "alertPolicyRef: "+openslo.Name(" "),
			"kind: AlertPolicy\nmetadata:\n  name: page\n", "kind: AlertPolicy\nmetadata:\n  name: "+openslo.Name(" ")+"\n  annotations:\n    errbudget.dev/name: \" \"\n").Replace(valid)},
	} {
		d, err := openslo.Unmarshal([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), "blank") {
			t.Errorf("%s: %+v, %v", c.name, d, err)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	for _, in := range []string{"", "---\n", "# nothing\n", "[]"} {
		if _, err := openslo.Unmarshal([]byte(in)); err == nil || !strings.Contains(err.Error(), "declares no SLO") {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

// Regression: a missing metadata was reported twice, once without a line.
func TestMissingReportedOnce(t *testing.T) {
	_, err := openslo.Unmarshal([]byte("apiVersion: openslo/v1\nkind: AlertCondition\nspec: {severity: page}\n"))
	var e *openslo.Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	n := 0
	for _, p := range e.Problems {
		if p.Line == 0 {
			t.Errorf("problem without a line: %v", p)
		}
		if strings.Contains(p.Field, "metadata") && !strings.Contains(p.Field, "annotations") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("metadata reported %d times:\n%v", n, err)
	}
}
