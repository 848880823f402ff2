package promrules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/promrules"
	"github.com/errbudget/errbudget/sli"
)

// Each alert's threshold and budget in the rules are the ones the tracker
// itself reports (Status().Alerts[i].Threshold, 1 − target) for the same
// objective and rules: rolling periods of every length, the defaults'
// scaling and clamping at 1, a fixed BurnRate, and a calendar month of 30
// days (the rules' rolling equivalent; other months differ, as documented).
func TestAlertThresholdsAreTheTrackers(t *testing.T) {
	rules := append(budget.DefaultAlertRules(),
		budget.AlertRule{Name: "fixed", Severity: budget.Ticket, LongWindow: 12 * time.Hour, ShortWindow: time.Hour, BurnRate: 2.5})
	day := 24 * time.Hour
	cases := []struct {
		window sli.Window
		at     time.Time
	}{
		{sli.Rolling(day), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)},
		{sli.Rolling(7 * day), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)},
		{sli.Rolling(28 * day), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)},
		{sli.Rolling(30 * day), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)},
		{sli.Rolling(90 * day), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)},
		{sli.CalendarMonth("UTC"), time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC)}, // April: 30 days
	}
	limit := regexp.MustCompile(`> \(([0-9.e+-]+) \* ([0-9.e+-]+)\)`)
	for _, c := range cases {
		for _, target := range []float64{0.999, 0.995, 0.9} {
			o := sli.Objective{Name: "api", Target: target, Window: c.window}
			t.Run(fmt.Sprintf("%v/%v", c.window, target), func(t *testing.T) {
				tr, err := budget.New([]sli.Objective{o}, budget.WithAlertRules(rules), budget.WithClock(func() time.Time { return c.at }))
				if err != nil {
					t.Fatal(err)
				}
				st := tr.StatusAt(c.at)
				if len(st) != 1 || len(st[0].Alerts) != len(rules) {
					t.Fatalf("status: %d objectives", len(st))
				}
				f, err := promrules.Generate([]sli.Objective{o}, promrules.Config{Service: "s", AlertRules: rules})
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range st[0].Alerts {
					r := rule(t, f, promrules.DefaultAlertName, map[string]string{"slo_alert_name": a.Rule.Name})
					m := limit.FindAllStringSubmatch(r.Expr, -1)
					if len(m) != 2 {
						t.Fatalf("%s: %d burn-rate conditions in\n%s", a.Rule.Name, len(m), r.Expr)
					}
					for _, x := range m {
						th, _ := strconv.ParseFloat(x[1], 64)
						b, _ := strconv.ParseFloat(x[2], 64)
						if d := th/a.Threshold - 1; d > 1e-9 || d < -1e-9 {
							t.Errorf("%s: threshold %v in the rules, the tracker's %v", a.Rule.Name, th, a.Threshold)
						}
						if want := budget.BurnRate(0, 1, target).Value; b*want < 1-1e-12 || b*want > 1+1e-12 {
							t.Errorf("%s: budget %v in the rules, the tracker's %v", a.Rule.Name, b, 1/want)
						}
					}
				}
			})
		}
	}
}

// Excluded events are in no ratio and no event count: every selector of the
// counter in every rule keeps to good and bad (period.test.yaml shows it on
// series for the period; this covers every window, grouped or not).
func TestExcludedInNoSelector(t *testing.T) {
	f, err := promrules.Generate(testObjectives(), promrules.Config{Service: "s", Matchers: `job="s"`})
	if err != nil {
		t.Fatal(err)
	}
	sel := regexp.MustCompile(promrules.DefaultMetric + `\{([^}]*)\}`)
	n := 0
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			for _, m := range sel.FindAllStringSubmatch(r.Expr, -1) {
				n++
				if !regexp.MustCompile(`(^|,)slo_outcome=("bad"|~"good\|bad")(,|$)`).MatchString(m[1]) {
					t.Errorf("%s%s: selector {%s} lets other outcomes in", r.Record, r.Alert, m[1])
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no selector of the counter found")
	}
}

// Rules with every Config option (labels, page and ticket labels, matchers,
// a metric and an alert name of one's own, custom alert rules) pass
// promtool check rules.
func TestPromtoolCheckRulesWithOptions(t *testing.T) {
	f, err := promrules.Generate(testObjectives(), promrules.Config{
		Service:      "shop",
		Metric:       "my_slo_events_total",
		Matchers:     `job="shop",env=~"prod|staging"`,
		Labels:       map[string]string{"team": "checkout"},
		PageLabels:   map[string]string{"severity": "critical"},
		TicketLabels: map[string]string{"severity": "warning"},
		AlertName:    "ShopBudgetBurn",
		AlertRules: []budget.AlertRule{
			{Name: "fast", Severity: budget.Page, LongWindow: 90 * time.Minute, ShortWindow: 10 * time.Minute, BudgetConsumed: 0.03, MinLongEvents: 500},
			{Name: "slow", Severity: budget.Ticket, LongWindow: 48 * time.Hour, ShortWindow: 4 * time.Hour, BurnRate: 1.5},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "options.yaml")
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := runPromtool(t, "check", "rules", path); !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool check rules: %s", out)
	}
}
