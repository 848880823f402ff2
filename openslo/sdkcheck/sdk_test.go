package sdkcheck

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	v1 "github.com/OpenSLO/go-sdk/pkg/openslo/v1"
	"github.com/OpenSLO/go-sdk/pkg/openslosdk"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
)

// The demo's objectives (as examples/inference declares them), a
// calendar-month objective in Asia/Kathmandu, a grouped objective, and
// custom alert rules.
func cases() map[string]openslo.Declarations {
	demo := []sli.Objective{
		{Name: "completions-availability", Description: "Completions succeed (no 5xx, no panic).", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
		{Name: "completions-latency", Description: "Non-streaming completions answer within 2 s.", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second, Window: sli.Rolling(30 * 24 * time.Hour), Include: func(e sli.Event) bool { return !e.Streaming }},
		{Name: "completions-ttft", Description: "Streaming completions send their first token within 1 s.", Kind: sli.TimeToFirstToken, Target: 0.98, Threshold: time.Second, Window: sli.Rolling(30 * 24 * time.Hour)},
		{Name: "completions-quality", Description: "Answers score at least 0.7 with the judge.", Kind: sli.Quality, Target: 0.95, MinScore: 0.7, Window: sli.Rolling(30 * 24 * time.Hour), Advisory: true},
	}
	return map[string]openslo.Declarations{
		"demo": {Service: "inference-demo", Objectives: demo, AlertRules: budget.DefaultAlertRules()},
		"calendar month in Asia/Kathmandu": {Service: "checkout", Objectives: []sli.Objective{
			{Name: "checkout-availability", Target: 0.999, Window: sli.CalendarMonth("Asia/Kathmandu")},
		}, AlertRules: budget.DefaultAlertRules()},
		"grouped": {Service: "Checkout_API", Objectives: []sli.Objective{
			{Name: "Checkout_Latency_By_Route", Kind: sli.Latency, Target: 0.995, Threshold: 300 * time.Millisecond, GroupBy: "route", MaxGroups: 20, IncludeFailures: true},
			{Name: "tokens", Kind: sli.TimePerOutputToken, Target: 0.9, Threshold: 40 * time.Millisecond, GroupBy: "model", Window: sli.Rolling(7 * 24 * time.Hour)},
			{Name: "custom", Kind: sli.Custom, Target: 0.9, Classify: func(sli.Event) sli.Outcome { return sli.Good }},
		}},
		"no alert rules": {Service: "batch", Objectives: []sli.Objective{
			{Name: "batch-availability", Target: 0.9, Window: sli.Rolling(90 * 24 * time.Hour)},
		}, AlertRules: []budget.AlertRule{}},
		"time slices": {Service: "thin-service", Objectives: []sli.Objective{
			{Name: "good-minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95},
			{Name: "p95-five-minutes", Kind: sli.Latency, Threshold: time.Second, Target: 0.99, Window: sli.Rolling(28 * 24 * time.Hour),
				Budgeting: sli.Timeslices, SliceWidth: 5 * time.Minute, SliceTarget: 0.95, EmptySlices: sli.EmptyBad},
			{Name: "ratio-minutes", Target: 0.995, Window: sli.CalendarMonth("Europe/Berlin"), Budgeting: sli.RatioTimeslices, EmptySlices: sli.EmptySkipped},
			{Name: "ratio-by-route", Target: 0.99, GroupBy: "route", Budgeting: sli.RatioTimeslices, SliceWidth: 5 * time.Minute},
			{Name: "events", Target: 0.999},
		}, AlertRules: budget.DefaultAlertRules()},
		"custom alert rules": {Service: "search", Objectives: []sli.Objective{
			{Name: "search-availability", Target: 0.99, Window: sli.Rolling(28 * 24 * time.Hour)},
		}, AlertRules: []budget.AlertRule{
			{Name: "page-quick", Severity: budget.Page, LongWindow: 30 * time.Minute, ShortWindow: 2 * time.Minute, BudgetConsumed: 0.01, MinLongEvents: 1000, MinShortEvents: 100},
			{Name: "Ticket_Fixed", Severity: budget.Ticket, LongWindow: 12 * time.Hour, ShortWindow: time.Hour, BurnRate: 2.5},
		}},
	}
}

func TestSDKValidates(t *testing.T) {
	for name, d := range cases() {
		for _, f := range []struct {
			name   string
			format openslo.Format
			sdk    openslosdk.ObjectFormat
		}{{"yaml", openslo.YAML, openslosdk.FormatYAML}, {"json", openslo.JSON, openslosdk.FormatJSON}} {
			t.Run(name+"/"+f.name, func(t *testing.T) {
				b, _, err := openslo.Marshal(d, f.format)
				if err != nil {
					t.Fatal(err)
				}
				objs, err := openslosdk.Decode(bytes.NewReader(b), f.sdk)
				if err != nil {
					t.Fatalf("decode: %v\n%s", err, b)
				}
				// One Service, one SLO per objective, a policy and a
				// condition per rule.
				if want := 1 + len(d.Objectives) + 2*len(d.AlertRules); len(objs) != want {
					t.Errorf("%d objects, want %d", len(objs), want)
				}
				if err := openslosdk.Validate(objs...); err != nil {
					t.Fatalf("validate: %v\n%s", err, b)
				}
				// And errbudget reads back what the SDK accepted.
				if _, err := openslo.Unmarshal(b, openslo.AcceptCustom()); err != nil {
					t.Errorf("read back: %v", err)
				}
			})
		}
	}
}

// The validator can fail: what it rejects, the test would report.
func TestSDKRejectsBrokenOutput(t *testing.T) {
	b, _, err := openslo.Marshal(cases()["demo"], openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range [][2]string{
		{"- target: 0.999", "- target: 1.2"},
		{"name: completions-latency", "name: Completions_Latency"},
		{"isRolling: true", "isRolling: false"},
	} {
		broken := bytes.Replace(b, []byte(edit[0]), []byte(edit[1]), 1)
		objs, err := openslosdk.Decode(bytes.NewReader(broken), openslosdk.FormatYAML)
		if err != nil {
			continue
		}
		if err := openslosdk.Validate(objs...); err == nil {
			t.Errorf("the SDK accepts the edit %q → %q", edit[0], edit[1])
		}
		if _, err := openslo.Unmarshal(broken); err == nil {
			t.Errorf("openslo accepts the edit %q → %q", edit[0], edit[1])
		}
	}
}

// The demo's own file, as shipped, passes the validator too.
func TestSDKValidatesDemoFile(t *testing.T) {
	b, err := os.ReadFile("../../examples/inference/slo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := openslosdk.Decode(bytes.NewReader(b), openslosdk.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := openslosdk.Validate(objs...); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1+4+2*4 {
		t.Errorf("%d objects", len(objs))
	}
}

// The SDK reads the time-slice fields where errbudget writes them, with the
// same values, and rejects the file without them: what errbudget writes is
// what OpenSLO means.
func TestSDKTimeslices(t *testing.T) {
	d := cases()["time slices"]
	b, _, err := openslo.Marshal(d, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := openslosdk.Decode(bytes.NewReader(b), openslosdk.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range objs {
		slo, ok := o.(v1.SLO)
		if !ok {
			continue
		}
		ob := slo.Spec.Objectives[0]
		s := string(slo.Spec.BudgetingMethod)
		if ob.TimeSliceTarget != nil {
			s += fmt.Sprintf(" target %v", *ob.TimeSliceTarget)
		}
		if ob.TimeSliceWindow != nil {
			s += fmt.Sprintf(" window %v (%v)", ob.TimeSliceWindow, ob.TimeSliceWindow.Duration())
		}
		got[slo.Metadata.Name] = s
	}
	want := map[string]string{
		"good-minutes":     "Timeslices target 0.95 window 1m (1m0s)",
		"p95-five-minutes": "Timeslices target 0.95 window 5m (5m0s)",
		"ratio-minutes":    "RatioTimeslices window 1m (1m0s)",
		"ratio-by-route":   "RatioTimeslices window 5m (5m0s)",
		"events":           "Occurrences",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the SDK reads\n%v\nwant\n%v", got, want)
	}
	for _, edit := range [][2]string{
		{"      timeSliceTarget: 0.95\n", ""},
		{"      timeSliceWindow: 1m\n", ""},
		{"timeSliceTarget: 0.95", "timeSliceTarget: 1.5"},
	} {
		broken := bytes.Replace(b, []byte(edit[0]), []byte(edit[1]), 1)
		objs, err := openslosdk.Decode(bytes.NewReader(broken), openslosdk.FormatYAML)
		if err != nil {
			t.Fatalf("edit %q: %v", edit[0], err)
		}
		if err := openslosdk.Validate(objs...); err == nil {
			t.Errorf("the SDK accepts the edit %q → %q", edit[0], edit[1])
		}
		if _, err := openslo.Unmarshal(broken); err == nil {
			t.Errorf("openslo accepts the edit %q → %q", edit[0], edit[1])
		}
	}
}
