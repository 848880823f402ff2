package endpoint_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
	"github.com/errbudget/errbudget/sli"
)

// Issue 13, target 2: a grouped objective's groups fold into one summary,
// worst first, closed until opened, the cards inside in the same order;
// the JSON keeps every group in its own order.
func TestDashboardFoldsGroupsWorstFirst(t *testing.T) {
	tr, _ := fixture.New(t)
	srv := httptest.NewServer(endpoint.New(tr))
	defer srv.Close()
	read := func(path string) string {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	page := read("/ui")
	folds := regexp.MustCompile(`(?s)<details class="fold ([a-z]+)" id="[^"]+" data-objective="([^"]+)">\s*<summary>(.*?)</summary>(.*?)</details>`).FindAllStringSubmatch(page, -1)
	if len(folds) != 1 {
		t.Fatalf("%d folds, want 1 (chat-ttft)", len(folds))
	}
	f := folds[0]
	if f[1] != "bad" || f[2] != "chat-ttft" {
		t.Errorf("fold class %q, objective %q", f[1], f[2])
	}
	summary := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(f[3], "|")
	for _, want := range []string{"2 groups by model · 1 exhausted · 0 at risk · 1 healthy", "llama-3-70b: −71.4% · exhausted||gpt-4o: 60.0% · healthy"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary %q lacks %q", summary, want)
		}
	}
	inside := regexp.MustCompile(`<span class="group">model = ([^<]+)</span>`).FindAllStringSubmatch(f[4], -1)
	if len(inside) != 2 || inside[0][1] != "llama-3-70b" || inside[1][1] != "gpt-4o" {
		t.Errorf("cards in the fold: %q, want llama-3-70b then gpt-4o", inside)
	}
	if strings.Contains(f[0], "<details class=\"fold bad\" open") {
		t.Error("the fold is open")
	}
	// Ungrouped objectives stay out of any fold.
	if n := strings.Count(page, `<section class="card`); n != 5 {
		t.Errorf("%d cards, want 5", n)
	}
	// The JSON: every group, in the order they appeared.
	js := read("")
	if i, j := strings.Index(js, `"value":"gpt-4o"`), strings.Index(js, `"value":"llama-3-70b"`); i < 0 || j < 0 || i > j {
		t.Errorf("JSON groups out of order or missing: gpt-4o at %d, llama-3-70b at %d", i, j)
	}
}

// Issue 13, target 2: the dashboard draws a grouped objective's worst
// three cards only, and links to the objective's page, which draws every
// group worst first, 50 to a page; the JSON keeps them all.
func TestDashboardObjectivePage(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{
		{Name: "api", Target: 0.99, GroupBy: "route", MaxGroups: 200},
		{Name: "home", Target: 0.999},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	// 120 routes; route r spends r/120 of a budget (bad r in 12,000), so
	// the worst are r119, r118, r117, … and r000 spends nothing.
	for r := range 120 {
		s, _ := tr.Series("api", fmt.Sprintf("/r%03d", r))
		s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, int64(12000-r))
		s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, int64(r))
	}
	home, _ := tr.Series("home", "")
	home.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 1000)
	clk.Advance(time.Minute)
	h := endpoint.New(tr)
	mux := http.NewServeMux()
	mux.Handle("/slo", h)
	mux.Handle("/slo/", h)
	routes := regexp.MustCompile(`<span class="group">route = (/r\d+)</span>`)
	drawn := func(page string) []string {
		var out []string
		for _, m := range routes.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return out
	}

	_, b := get(t, mux, http.MethodGet, "/slo/ui")
	page := string(b)
	if got := drawn(page); strings.Join(got, " ") != "/r119 /r118 /r117" {
		t.Errorf("dashboard draws %v, want the worst three", got)
	}
	if n := strings.Count(page, "<svg class=\"burndown\""); n != 4 {
		t.Errorf("%d charts on the dashboard, want 4 (three routes and home)", n)
	}
	if !strings.Contains(page, `<a class="foldmore" href="?objective=api">All 120 groups of api, worst first →</a>`) {
		t.Errorf("no link to the objective's page:\n%s", page[strings.Index(page, "<main"):])
	}

	var all []string
	for p, want := range []int{50, 50, 20} {
		path := "/slo/ui?objective=api"
		if p > 0 {
			path += fmt.Sprintf("&page=%d", p+1)
		}
		res, b := get(t, mux, http.MethodGet, path)
		if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("%s: %d, CSP %q", path, res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
		got := drawn(string(b))
		if len(got) != want || strings.Count(string(b), "<svg class=\"burndown\"") != want {
			t.Errorf("%s: %d groups drawn, want %d", path, len(got), want)
		}
		for _, link := range []string{`href="ui">← All objectives`, fmt.Sprintf("page %d of 3", p+1)} {
			if !strings.Contains(string(b), link) {
				t.Errorf("%s lacks %q", path, link)
			}
		}
		if p < 2 && !strings.Contains(string(b), fmt.Sprintf(`href="?objective=api&amp;page=%d">next`, p+2)) {
			t.Errorf("%s has no link to page %d", path, p+2)
		}
		if strings.Contains(string(b), `id="incidents"`) {
			t.Errorf("%s draws the incident list", path)
		}
		all = append(all, got...)
	}
	for i, r := range all {
		if want := fmt.Sprintf("/r%03d", 119-i); r != want {
			t.Fatalf("objective pages: group %d is %s, want %s (worst first)", i, r, want)
		}
	}

	// ui/ links one level up, the query kept relative.
	_, b = get(t, mux, http.MethodGet, "/slo/ui/?objective=api")
	if !strings.Contains(string(b), `href="../ui">← All objectives`) {
		t.Errorf("ui/?objective=api: no link back to ../ui")
	}
	// An ungrouped objective has its page too.
	if res, b := get(t, mux, http.MethodGet, "/slo/ui?objective=home"); res.StatusCode != 200 || strings.Count(string(b), `<section class="card`) != 1 {
		t.Errorf("?objective=home: %d", res.StatusCode)
	}
	for _, path := range []string{"/slo/ui?objective=nope", "/slo/ui?objective=api&page=4", "/slo/ui?objective=api&page=0", "/slo/ui?objective=api&page=x", "/slo/ui?page=2"} {
		if res, _ := get(t, mux, http.MethodGet, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}

	// The JSON: all 120 groups.
	_, b = get(t, mux, http.MethodGet, "/slo")
	if n := strings.Count(string(b), `"label":"route"`); n != 120 {
		t.Errorf("JSON has %d groups, want 120", n)
	}
}
