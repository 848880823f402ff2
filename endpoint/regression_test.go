package endpoint_test

import (
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/sli"
)

// TestRegressionChartAgreesWithCard: the dashboard draws the burn-down and the
// card from one snapshot; events recorded after the snapshot's status was
// computed (but before the dashboard's first request within the interval)
// must not show up in the chart's end point while the card ignores them.
func TestRegressionChartAgreesWithCard(t *testing.T) {
	clk := budgettest.NewClock(t0.Add(5 * time.Second))
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.9, Window: sli.Rolling(24 * time.Hour)}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 1000)
	h := endpoint.New(tr, endpoint.WithInterval(10*time.Second))
	get(t, h, "GET", "/") // the snapshot of this interval
	clk.Advance(time.Second)
	s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 50) // same 10 s bucket
	_, body := get(t, h, "GET", "/ui")
	card := regexp.MustCompile(`<div class="value rem [a-z]+">([^<]*)</div>`).FindSubmatch(body)
	end := regexp.MustCompile(`<span class="endlabel[^"]*"[^>]*>([^<]*)</span>`).FindSubmatch(body)
	if card == nil || end == nil {
		t.Fatalf("card %q, end label %q not found", card, end)
	}
	if string(card[1]) != string(end[1]) {
		t.Errorf("card says %s remaining, the chart ends at %s", card[1], end[1])
	}
}

// TestRegressionNonFiniteRuleThreshold: an alert rule whose threshold is not a
// finite number must be refused by budget.New, or the JSON must still be
// served; it must not pass validation and then turn GET / into a 500.
func TestRegressionNonFiniteRuleThreshold(t *testing.T) {
	for _, r := range []budget.AlertRule{
		{Name: "inf", Severity: budget.Page, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BurnRate: math.Inf(1)},
		{Name: "nan", Severity: budget.Page, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BudgetConsumed: math.NaN()},
	} {
		tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}}, budget.WithAlertRules([]budget.AlertRule{r}))
		if err != nil {
			continue // refused: fine
		}
		res, body := get(t, endpoint.New(tr), "GET", "/")
		if res.StatusCode != 200 {
			t.Errorf("rule %s accepted by New, then GET / = %d: %s", r.Name, res.StatusCode, body)
		}
	}
}

// TestRegressionChartTicksBounded: a budget overspent by a factor of millions
// (one bad call at the highest target) draws a handful of y ticks, not
// thousands.
func TestRegressionChartTicksBounded(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: sli.MaxTarget}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad})
	_, body := get(t, endpoint.New(tr), "GET", "/ui")
	if n := strings.Count(string(body), `class="gridline"`); n > 20 {
		t.Errorf("%d grid lines (%d bytes of HTML)", n, len(body))
	}
}

// TestRegressionStripPrefixWithSlash: http.StripPrefix("/slo/") (the prefix
// with its slash, a common idiom) leaves "ui" and "gate" without a
// leading slash.
func TestRegressionStripPrefixWithSlash(t *testing.T) {
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, budget.WithClock(budgettest.NewClock(t0).Now))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/slo/", http.StripPrefix("/slo/", endpoint.New(tr)))
	for path, want := range map[string]string{"/slo/": `"objectives"`, "/slo/ui": "<!doctype html>", "/slo/gate": `"reasons"`} {
		res, body := get(t, mux, "GET", path)
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %.60q", path, res.StatusCode, body)
		}
	}
}
