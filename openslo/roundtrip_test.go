package openslo_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
)

// declarations covers every kind, both window types, grouping, a name that
// is not an RFC 1123 label, and custom alert rules (a fixed burn rate, a
// guard, a fraction).
func declarations() openslo.Declarations {
	return openslo.Declarations{
		Service: "Inference_Demo",
		Objectives: []sli.Objective{
			{Name: "completions-availability", Description: "Completions succeed.", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
			{Name: "completions-latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second, Window: sli.Rolling(28 * 24 * time.Hour), IncludeFailures: true},
			{Name: "completions-ttft", Kind: sli.TimeToFirstToken, Target: 0.98, Threshold: time.Second, Window: sli.CalendarMonth("Asia/Kathmandu")},
			{Name: "completions-tpot", Kind: sli.TimePerOutputToken, Target: 0.95, Threshold: 50 * time.Millisecond, Window: sli.Rolling(7 * 24 * time.Hour)},
			{Name: "Completions_Quality", Description: "Judged answers.", Kind: sli.Quality, Target: 0.95, MinScore: 0.7, Advisory: true, GroupBy: "model", MaxGroups: 8, Window: sli.Rolling(90 * time.Minute)},
			{Name: "by-route", Target: 0.995, GroupBy: "route", Window: sli.CalendarMonth("")},
		},
		AlertRules: []budget.AlertRule{
			{Name: "page-fast", Severity: budget.Page, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BudgetConsumed: 0.02, MinLongEvents: 500, MinShortEvents: 50},
			{Name: "Page_Fixed", Severity: budget.Page, LongWindow: 6 * time.Hour, ShortWindow: 30 * time.Minute, BurnRate: 7.5},
			{Name: "ticket-slow", Severity: budget.Ticket, LongWindow: 72 * time.Hour, ShortWindow: 6 * time.Hour, BudgetConsumed: 0.1},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	want := declarations()
	for _, f := range []openslo.Format{openslo.YAML, openslo.JSON} {
		b, rep, err := openslo.Marshal(want, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := openslo.Unmarshal(b)
		if err != nil {
			t.Fatalf("format %d: %v\n%s", f, err, b)
		}
		if got.Service != want.Service {
			t.Errorf("format %d: service %q, want %q", f, got.Service, want.Service)
		}
		if len(got.Objectives) != len(want.Objectives) {
			t.Fatalf("format %d: %d objectives, want %d", f, len(got.Objectives), len(want.Objectives))
		}
		for i := range want.Objectives {
			if !reflect.DeepEqual(got.Objectives[i], want.Objectives[i]) {
				t.Errorf("format %d: objective %d:\n got %+v\nwant %+v", f, i, got.Objectives[i], want.Objectives[i])
			}
		}
		if !reflect.DeepEqual(got.AlertRules, want.AlertRules) {
			t.Errorf("format %d: rules\n got %+v\nwant %+v", f, got.AlertRules, want.AlertRules)
		}
		renamed := map[string]string{}
		for _, r := range rep.Renamed {
			renamed[r.Kind+" "+r.Original] = r.Name
		}
		wantRenamed := map[string]string{
			"Service Inference_Demo":  "inference-demo",
			"SLO Completions_Quality": "completions-quality",
			"AlertPolicy Page_Fixed":  "page-fixed",
		}
		if !reflect.DeepEqual(renamed, wantRenamed) {
			t.Errorf("renamed %v, want %v", renamed, wantRenamed)
		}
		// The declarations run.
		if _, err := budget.New(got.Objectives, got.Options()...); err != nil {
			t.Errorf("budget.New: %v", err)
		}
	}
}

// A fixed burn rate reads back exactly: only thresholds derived from a
// budget fraction are rounded (so that 0.02 × 720h / 1h is written 14.4).
func TestFixedBurnRateExact(t *testing.T) {
	want := []budget.AlertRule{{Name: "page", Severity: budget.Page, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BurnRate: 7.1234567891}}
	b, _, err := openslo.Marshal(openslo.Declarations{Service: "svc", Objectives: []sli.Objective{{Name: "a", Target: 0.99}}, AlertRules: want}, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	got, err := openslo.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.AlertRules, want) {
		t.Errorf("read back %+v, want %+v", got.AlertRules, want)
	}
}

// Editing a field of the file changes the decoded declaration.
func TestEditChangesBehaviour(t *testing.T) {
	b, _, err := openslo.Marshal(declarations(), openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for _, c := range []struct {
		name     string
		old, new string
		check    func(d openslo.Declarations) bool
	}{
		{"target", "- target: 0.999", "- target: 0.995", func(d openslo.Declarations) bool { return d.Objectives[0].Target == 0.995 }},
		{"rolling window", "duration: 28d", "duration: 14d", func(d openslo.Declarations) bool { return d.Objectives[1].Window == sli.Rolling(14*24*time.Hour) }},
		{"calendar zone", "timeZone: Asia/Kathmandu", "timeZone: Europe/Berlin", func(d openslo.Declarations) bool { return d.Objectives[2].Window == sli.CalendarMonth("Europe/Berlin") }},
		{"threshold", "threshold: 2s", "threshold: 1500ms", func(d openslo.Declarations) bool { return d.Objectives[1].Threshold == 1500*time.Millisecond }},
		{"min score", "minScore: 0.7", "minScore: 0.8", func(d openslo.Declarations) bool { return d.Objectives[4].MinScore == 0.8 }},
		{"fixed burn rate", "threshold: 7.5", "threshold: 9", func(d openslo.Declarations) bool { return d.AlertRules[1].BurnRate == 9 }},
		{"derived burn rate", "threshold: 14.4", "threshold: 10", func(d openslo.Declarations) bool {
			r := d.AlertRules[0]
			return r.BurnRate == 10 && r.Threshold(30*24*time.Hour) == 10
		}},
		{"short window", "errbudget.dev/short-window: 5m", "errbudget.dev/short-window: 10m", func(d openslo.Declarations) bool { return d.AlertRules[0].ShortWindow == 10*time.Minute }},
		{"lookback window", "lookbackWindow: 6h", "lookbackWindow: 12h", func(d openslo.Declarations) bool { return d.AlertRules[1].LongWindow == 12*time.Hour }},
		{"guard", `errbudget.dev/min-long-events: "500"`, `errbudget.dev/min-long-events: "20"`, func(d openslo.Declarations) bool { return d.AlertRules[0].MinLongEvents == 20 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if strings.Count(src, c.old) != 1 {
				t.Fatalf("%q appears %d times", c.old, strings.Count(src, c.old))
			}
			d, err := openslo.Unmarshal([]byte(strings.Replace(src, c.old, c.new, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(d) {
				t.Errorf("edit %q → %q not decoded: %+v", c.old, c.new, d)
			}
		})
	}
}
