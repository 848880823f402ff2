package endpoint

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// renderStatuses renders the dashboard of sts as the handler would, and
// writes it to $ERRBUDGET_DASHBOARD_OUT when set (to look at it).
func renderStatuses(t *testing.T, sts []budget.Status) string {
	t.Helper()
	s := &snapshot{now: sts[0].Time, statuses: sts} // each status carries its BurnDown
	cfg := config{title: "slices", refresh: -1, points: 120}
	pg, _ := newPage(nil, &cfg, s, view{})
	var buf bytes.Buffer
	if err := dashboardTmpl.Execute(&buf, pg); err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("ERRBUDGET_DASHBOARD_OUT"); p != "" {
		os.WriteFile(p, buf.Bytes(), 0o644)
	}
	return buf.String()
}

var tags = regexp.MustCompile(`<[^>]*>|\s+`)

// text returns the HTML's text, tags dropped and spaces collapsed.
func text(html string) string {
	return strings.Join(strings.Fields(tags.ReplaceAllString(html, " ")), " ")
}

// Issue 17 item 3: a time-slice objective's card says its budget in time,
// its slice width and what makes a slice good; an occurrence objective's
// card stays as it was.
func TestSliceCard(t *testing.T) {
	occ, ts := sliceStatuses(t)
	lat := ts
	lat.Objective.Name = "api-p95"
	lat.Objective.Kind = sli.Latency
	lat.Objective.Threshold = 300 * time.Millisecond
	lat.Objective.SliceWidth = 5 * time.Minute
	lat.Objective.EmptySlices = sli.EmptyBad
	lat.Objective.Window = sli.Rolling(14 * 24 * time.Hour)
	lat.Objective.Target = 0.95
	lat.Slices = &budget.SliceBudget{Width: 5 * time.Minute, Period: 4032, Allowed: 201.6, Spent: 250, Good: 1000, Bad: 250, Empty: 40}
	got := text(renderStatuses(t, []budget.Status{occ, ts, lat}))
	for _, want := range []string{
		"api-minutes availability · target 99.9% · 30d rolling · 1-minute slices",
		"A minute is good when at least 95% of its events are; one without events counts as good. 7,200 events in the period, 7 bad.",
		"Budget remaining 72.2% 12 of 43.2 bad minutes used",
		"Slices in period 120 of 43,200 · 12 bad · 3 empty",
		"api-p95 latency ≤ 300 ms · target 95% · 14d rolling · 5-minute slices",
		"A 5-minute slice is good when its p95 is at most 300 ms; one without events counts as bad.",
		"20.8 of 16.8 bad hours used", // 201.6 five-minute slices are 16 h 48 min (OpenSLO's worked example), 250 are 20 h 50 min
		"Slices in period 1,250 of 4,032 · 250 bad · 40 empty",
		// The occurrence card keeps its events.
		"api availability · target 99.9% · 30d rolling at risk Budget remaining 2.8% 97.2% of the budget spent",
		"Events in period 7,200 7 bad · 0 excluded",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Count(got, "Events in period") != 1 || strings.Count(got, "-minute slices") != 2 {
		t.Errorf("events figures %d, slice widths %d; want the occurrence card alone to count events", strings.Count(got, "Events in period"), strings.Count(got, "-minute slices"))
	}
}

func TestBudgetInTime(t *testing.T) {
	for _, c := range []struct {
		spent, allowed time.Duration
		want           string
	}{
		{12 * time.Minute, 2592 * time.Second, "12 of 43.2 bad minutes used"},
		{0, 2592 * time.Second, "0 of 43.2 bad minutes used"},
		{30 * time.Minute, 6048 * time.Second, "30 of 100.8 bad minutes used"},        // a week of 5-minute slices at 99%
		{90 * time.Second, 302400 * time.Millisecond, "1.5 of 5.04 bad minutes used"}, // a week at 99.95%: 5 min 2.4 s
		{time.Minute, 60480 * time.Millisecond, "60 of 60.5 bad seconds used"},        // a week at 99.99%
		{5 * time.Hour, 1008 * time.Minute, "5 of 16.8 bad hours used"},               // 2 weeks at 95%
		{100 * time.Hour, 432 * time.Minute, "6,000 of 432 bad minutes used"},         // 99% of 30 days
		{3000 * time.Hour, 1500 * time.Hour, "3,000 of 1,500 bad hours used"},
	} {
		if got := budgetInTime(c.spent, c.allowed); got != c.want {
			t.Errorf("budgetInTime(%v, %v) = %q, want %q", c.spent, c.allowed, got, c.want)
		}
	}
}
