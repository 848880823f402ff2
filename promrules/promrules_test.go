package promrules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/promrules"
	"github.com/errbudget/errbudget/sli"
)

func TestWindow(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5m", time.Hour: "1h", 90 * time.Minute: "90m", 24 * time.Hour: "1d",
		36 * time.Hour: "36h", 30 * 24 * time.Hour: "30d", 90 * time.Second: "90s", 1500 * time.Millisecond: "1500ms",
	} {
		if got := promrules.Window(d); got != want {
			t.Errorf("Window(%v) = %q, want %q", d, got, want)
		}
	}
}

// Every problem comes back at once: the service, the labels, the matchers,
// the objectives and the alert rules.
func TestGenerateReportsEveryProblem(t *testing.T) {
	_, err := promrules.Generate([]sli.Objective{{Name: "a", Target: 1.2}}, promrules.Config{
		Labels:     map[string]string{"0bad": "x", "sloth_id": "y"},
		Matchers:   `{job="x"}`,
		Metric:     "slo events",
		AlertRules: []budget.AlertRule{{Name: "x", Severity: 7, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BudgetConsumed: 0.02}},
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"service name is empty", `label "0bad"`, `label "sloth_id" is set by the rules`, "without braces", `metric "slo events"`, "target must be in (0,1)", `severity must be`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func rule(t *testing.T, f *promrules.RuleFile, name string, labels map[string]string) promrules.Rule {
	t.Helper()
	for _, g := range f.Groups {
	next:
		for _, r := range g.Rules {
			if r.Record != name && r.Alert != name {
				continue
			}
			for k, v := range labels {
				if r.Labels[k] != v {
					continue next
				}
			}
			return r
		}
	}
	t.Fatalf("no rule %s %v", name, labels)
	return promrules.Rule{}
}

// Thresholds scale with the period as the tracker scales them (a 28-day
// period pages at 13.44), custom rules keep their names and guards, and
// grouped objectives sum by slo_group.
func TestGenerateFollowsTheTracker(t *testing.T) {
	rules := []budget.AlertRule{
		{Name: "fast", Severity: budget.Page, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BudgetConsumed: 0.02, MinLongEvents: 500, MinShortEvents: 50},
		{Name: "slow", Severity: budget.Ticket, LongWindow: 48 * time.Hour, ShortWindow: 4 * time.Hour, BurnRate: 2},
	}
	f, err := promrules.Generate([]sli.Objective{
		{Name: "api", Target: 0.995, Window: sli.Rolling(28 * 24 * time.Hour), GroupBy: "route"},
	}, promrules.Config{Service: "svc", AlertRules: rules, Matchers: `job="svc"`, Labels: map[string]string{"team": "core"},
		PageLabels: map[string]string{"severity": "critical"}})
	if err != nil {
		t.Fatal(err)
	}
	fast := rule(t, f, promrules.DefaultAlertName, map[string]string{"slo_alert_name": "fast"})
	for _, want := range []string{"> (13.44 * 0.005)", "errbudget:slo_events:increase1h{", ">= 500", ">= 50"} {
		if !strings.Contains(fast.Expr, want) {
			t.Errorf("fast: expr lacks %q:\n%s", want, fast.Expr)
		}
	}
	if fast.Labels["severity"] != "critical" || fast.Labels["team"] != "core" || fast.Labels["sloth_severity"] != "page" {
		t.Errorf("fast: labels %v", fast.Labels)
	}
	slow := rule(t, f, promrules.DefaultAlertName, map[string]string{"slo_alert_name": "slow"})
	if !strings.Contains(slow.Expr, "ratio_rate2d{") || !strings.Contains(slow.Expr, "ratio_rate4h{") || !strings.Contains(slow.Expr, "> (2 * 0.005)") {
		t.Errorf("slow: %s", slow.Expr)
	}
	if _, ok := slow.Labels["severity"]; ok {
		t.Errorf("slow: page labels on a ticket: %v", slow.Labels)
	}
	period := rule(t, f, "slo:sli_error:ratio_rate28d", nil)
	for _, want := range []string{`sum by (slo_group) (increase(slo_events_total{slo_name="api",slo_outcome="bad",job="svc"}[28d]))`, `slo_outcome=~"good|bad",job="svc"}[28d])) > 0)`} {
		if !strings.Contains(period.Expr, want) {
			t.Errorf("period: expr lacks %q:\n%s", want, period.Expr)
		}
	}
	// Sloth's standard windows are recorded whatever the rules use; the
	// rules' own windows too.
	for _, w := range []string{"5m", "30m", "1h", "2h", "4h", "6h", "1d", "2d", "3d", "28d"} {
		rule(t, f, "slo:sli_error:ratio_rate"+w, map[string]string{"sloth_window": w})
		rule(t, f, "errbudget:slo_events:increase"+w, map[string]string{"sloth_window": w})
	}
	if d := rule(t, f, "slo:time_period:days", nil); d.Expr != "vector(28)" {
		t.Errorf("time period: %s", d.Expr)
	}
	if o := rule(t, f, "sloth_slo_info", nil); o.Labels["sloth_objective"] != "99.5" || o.Labels["sloth_id"] != "svc-api" {
		t.Errorf("info labels: %v", o.Labels)
	}
}

// A calendar month becomes the rolling 30 days, and every rule of it says
// so in a label.
func TestGenerateCalendarIsLabelled(t *testing.T) {
	f, err := promrules.Generate([]sli.Objective{{Name: "m", Target: 0.99, Window: sli.CalendarMonth("Asia/Kathmandu")}}, promrules.Config{Service: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Labels[promrules.LabelCalendar] != "month Asia/Kathmandu" {
				t.Errorf("%s%s: labels %v", r.Record, r.Alert, r.Labels)
			}
		}
	}
	rule(t, f, "slo:sli_error:ratio_rate30d", nil)
	if promrules.Period(sli.Objective{Window: sli.CalendarMonth("UTC")}) != promrules.CalendarEquivalent {
		t.Error("calendar period")
	}
}

// Names that need escaping stay inside their quotes, in PromQL and YAML.
func TestGenerateQuotes(t *testing.T) {
	f, err := promrules.Generate([]sli.Objective{{Name: `we"ird\name`, Target: 0.9}}, promrules.Config{Service: "s: x"})
	if err != nil {
		t.Fatal(err)
	}
	out := string(f.Bytes())
	if !strings.Contains(out, `slo_name="we\"ird\\name"`) || !strings.Contains(out, `sloth_service: "s: x"`) {
		t.Errorf("quoting:\n%s", out[:2000])
	}
	path := filepath.Join(t.TempDir(), "weird.yaml")
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, "check", "rules", path)
}
