package openslo_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
)

// sliceDeclarations covers both time-slice methods, both widths, every
// empty-slice rule, a latency kind, a calendar month and a group.
func sliceDeclarations() openslo.Declarations {
	return openslo.Declarations{
		Service: "thin-service",
		Objectives: []sli.Objective{
			{Name: "good-minutes", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour), Budgeting: sli.Timeslices, SliceWidth: time.Minute, SliceTarget: 0.95},
			{Name: "p95-minutes", Kind: sli.Latency, Threshold: time.Second, Target: 0.99, Window: sli.Rolling(28 * 24 * time.Hour),
				Budgeting: sli.Timeslices, SliceWidth: 5 * time.Minute, SliceTarget: 0.95, EmptySlices: sli.EmptyBad},
			{Name: "ratio-slices", Target: 0.995, Window: sli.CalendarMonth("Europe/Berlin"), Budgeting: sli.RatioTimeslices,
				SliceWidth: time.Minute, EmptySlices: sli.EmptySkipped},
			{Name: "ratio-by-route", Target: 0.99, GroupBy: "route", Window: sli.Rolling(30 * 24 * time.Hour), Budgeting: sli.RatioTimeslices, SliceWidth: 5 * time.Minute},
			{Name: "events", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
		},
		AlertRules: budget.DefaultAlertRules(),
	}
}

// The declaration's time-slice fields travel both ways, in both formats,
// and the file spells them as OpenSLO does: budgetingMethod in the spec,
// timeSliceTarget and timeSliceWindow in the objective.
func TestTimeslicesRoundTrip(t *testing.T) {
	want := sliceDeclarations()
	for _, f := range []openslo.Format{openslo.YAML, openslo.JSON} {
		b, _, err := openslo.Marshal(want, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := openslo.Unmarshal(b)
		if err != nil {
			t.Fatalf("format %d: %v\n%s", f, err, b)
		}
		if !reflect.DeepEqual(got.Objectives, want.Objectives) {
			for i := range want.Objectives {
				if !reflect.DeepEqual(got.Objectives[i], want.Objectives[i]) {
					t.Errorf("format %d: objective %d:\n got %+v\nwant %+v", f, i, got.Objectives[i], want.Objectives[i])
				}
			}
		}
	}
	b, _, err := openslo.Marshal(want, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"  budgetingMethod: Timeslices\n  objectives:\n    - target: 0.999\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n",
		"  budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 5m\n",
		"  budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.995\n      timeSliceWindow: 1m\n",
		"  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.999\n  alertPolicies:",
		"emptySlices: bad\n", "emptySlices: skipped\n", "emptySlices: good\n",
	} {
		if !strings.Contains(string(b), s) {
			t.Errorf("the file lacks %q:\n%s", s, b)
		}
	}
	if n := strings.Count(string(b), "emptySlices:"); n != 4 {
		t.Errorf("emptySlices written %d times, want 4 (the time-slice objectives only)", n)
	}
}

// A zero SliceWidth is the default minute: written "1m", read back as the
// minute it stands for.
func TestTimeslicesDefaultWidth(t *testing.T) {
	d := openslo.Declarations{Service: "svc", Objectives: []sli.Objective{{Name: "a", Target: 0.99, Budgeting: sli.RatioTimeslices}}}
	b, _, err := openslo.Marshal(d, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "timeSliceWindow: 1m\n") {
		t.Fatalf("no 1m slice width:\n%s", b)
	}
	got, err := openslo.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if o := got.Objectives[0]; o.SliceWidth != time.Minute || o.Slice() != time.Minute {
		t.Errorf("read back width %v", o.SliceWidth)
	}
}

// sliceSLO is an SLO document in errbudget's terms (type errbudget; no op on
// a ratio objective, which the OpenSLO SDK rejects) around the given window
// and objective lines.
func sliceSLO(name, window, method, objective string) string {
	return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ` + name + `
spec:
  service: web-availability
  indicator:
    metadata:
      name: web-availability
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: errbudget
            spec:
              query: sum(slo_events_total{slo_name="` + name + `",slo_outcome="good"})
        total:
          metricSource:
            type: errbudget
            spec:
              kind: availability
  timeWindow:
` + window + `  budgetingMethod: ` + method + `
  objectives:
` + objective
}

// budgetOf is the time-slice budget of an objective over a rolling window:
// (1 − target) × the window's slices, in time.
func budgetOf(o sli.Objective) (slices int64, budget time.Duration) {
	slices = int64(o.Window.MaxLength() / o.Slice())
	budget = time.Duration(math.Round((1 - o.Target) * float64(slices) * float64(o.Slice())))
	return slices, budget
}

// OpenSLO's worked examples (examples/budgeting-method and
// examples/treat-low-traffic-as-equally-important) read into the objective
// they describe, and their numbers follow from it.
func TestOpenSLOWorkedExamples(t *testing.T) {
	twoWeeks := "    - duration: 2w\n      isRolling: true\n"
	for _, c := range []struct {
		name       string
		doc        string
		want       sli.Objective
		slices     int64
		budget     time.Duration
		budgetText string
	}{
		{
			// budgeting-method/README.md: "Two weeks timewindow have 20160
			// timeslices, to burn your budget attack needs to last for 16
			// hours and 48 minutes" (objective 95%, 1-minute slices; the
			// slice target of its timeslices-slo.yaml).
			name: "budgeting-method timeslices",
			doc:  sliceSLO("service-availability", twoWeeks, "Timeslices", "    - displayName: SLA\n      target: 0.95\n      timeSliceTarget: 0.99\n      timeSliceWindow: 1m\n"),
			want: sli.Objective{Name: "service-availability", Target: 0.95, Window: sli.Rolling(14 * 24 * time.Hour),
				Budgeting: sli.Timeslices, SliceWidth: time.Minute, SliceTarget: 0.99},
			slices: 20160, budget: 16*time.Hour + 48*time.Minute, budgetText: "16h48m0s",
		},
		{
			// budgeting-method/ratio-timeslices.yaml: 2w rolling,
			// RatioTimeslices, 1m slices, target 0.99.
			name: "budgeting-method ratio timeslices",
			doc:  sliceSLO("main-page", twoWeeks, "RatioTimeslices", "    - displayName: Good\n      timeSliceWindow: 1m\n      target: 0.99\n"),
			want: sli.Objective{Name: "main-page", Target: 0.99, Window: sli.Rolling(14 * 24 * time.Hour),
				Budgeting: sli.RatioTimeslices, SliceWidth: time.Minute},
			slices: 20160, budget: 201*time.Minute + 36*time.Second, budgetText: "3h21m36s",
		},
		{
			// treat-low-traffic-as-equally-important/timeslices-slo.yaml: a
			// week of 1-minute slices at 99.95%, a minute good at 95% of
			// its requests: a budget of 5 min 2.4 s. (The example's window
			// is a calendar week, which errbudget refuses; see below.)
			name: "treat low traffic as equally important",
			doc:  sliceSLO("service-availability", "    - duration: 1w\n      isRolling: true\n", "Timeslices", "    - displayName: Objective\n      target: 0.9995\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n"),
			want: sli.Objective{Name: "service-availability", Target: 0.9995, Window: sli.Rolling(7 * 24 * time.Hour),
				Budgeting: sli.Timeslices, SliceWidth: time.Minute, SliceTarget: 0.95},
			slices: 10080, budget: 5*time.Minute + 2400*time.Millisecond, budgetText: "5m2.4s",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := openslo.Unmarshal([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Objectives) != 1 || !reflect.DeepEqual(d.Objectives[0], c.want) {
				t.Fatalf("read %+v\nwant %+v", d.Objectives, c.want)
			}
			n, b := budgetOf(d.Objectives[0])
			if n != c.slices || b != c.budget || b.String() != c.budgetText {
				t.Errorf("%d slices, budget %v; want %d, %v", n, b, c.slices, c.budget)
			}
		})
	}
	// As OpenSLO writes them, the examples use what errbudget cannot run,
	// and each is named: a calendar week, op on a ratio objective, a
	// metric source of another type.
	asWritten := strings.NewReplacer(
		"    - duration: 1w\n      isRolling: true\n", "    - duration: 1w\n      isRolling: false\n      calendar:\n        startTime: 2022-01-01 12:00:00\n        timeZone: America/New_York\n",
		"    - displayName: Objective\n", "    - displayName: Objective\n      op: gt\n",
		"type: errbudget", "type: Any",
	).Replace(sliceSLO("service-availability", "    - duration: 1w\n      isRolling: true\n", "Timeslices", "    - displayName: Objective\n      target: 0.9995\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n"))
	_, err := openslo.Unmarshal([]byte(asWritten))
	var e *openslo.Error
	if !errors.As(err, &e) {
		t.Fatalf("the example as written: %v", err)
	}
	for _, want := range []string{
		`spec.timeWindow[0].duration: a calendar window is one month ("1M"), got "1w"`,
		"spec.objectives[0].op: applies to a thresholdMetric indicator only",
		`good.metricSource.type: "Any" cannot run`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem says %q:\n%v", want, err)
		}
	}
}

// A thresholdMetric under Timeslices: a slice is good when at least
// timeSliceTarget of its events are at or under value, i.e. its
// p(timeSliceTarget) is at most value (the research notes' "p99 under
// 300 ms in 99.5% of minutes"); a width given as a bare number is minutes.
func TestTimeslicesThresholdMetric(t *testing.T) {
	doc := `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-p99-latency
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-p99
    spec:
      thresholdMetric:
        metricSource:
          type: errbudget
          spec:
            query: histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket[5m])))
            kind: latency
            emptySlices: bad
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - displayName: p99 under 300ms
      op: lte
      value: 0.3
      target: 0.995
      timeSliceTarget: 0.99
      timeSliceWindow: 5
`
	d, err := openslo.Unmarshal([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := sli.Objective{Name: "checkout-p99-latency", Kind: sli.Latency, Threshold: 300 * time.Millisecond, Target: 0.995,
		Window: sli.Rolling(28 * 24 * time.Hour), Budgeting: sli.Timeslices, SliceWidth: 5 * time.Minute, SliceTarget: 0.99, EmptySlices: sli.EmptyBad}
	if !reflect.DeepEqual(d.Objectives[0], want) {
		t.Errorf("read %+v\nwant %+v", d.Objectives[0], want)
	}
	// Written back, the width is a string ("5m"), as the OpenSLO SDK
	// decodes it, and the file reads back the same.
	b, _, err := openslo.Marshal(d, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "timeSliceWindow: 5m\n") {
		t.Errorf("width not written as 5m:\n%s", b)
	}
	again, err := openslo.Unmarshal(b)
	if err != nil || !reflect.DeepEqual(again.Objectives, d.Objectives) {
		t.Errorf("written back: %+v, %v", again.Objectives, err)
	}
}

// A misspelt method ("TimeSlices") is the one problem: the slice fields
// are not also reported as belonging to Occurrences.
func TestTimeslicesMisspeltMethod(t *testing.T) {
	doc := sliceSLO("a", "    - duration: 1w\n      isRolling: true\n", "TimeSlices", "    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n")
	doc = strings.Replace(doc, "kind: availability\n", "kind: availability\n              emptySlices: bad\n", 1)
	_, err := openslo.Unmarshal([]byte(doc))
	var e *openslo.Error
	if !errors.As(err, &e) || len(e.Problems) != 1 || !strings.Contains(e.Problems[0].Message, `unknown budgeting method "TimeSlices"`) {
		t.Errorf("want the one problem of the method, got %v", err)
	}
}
