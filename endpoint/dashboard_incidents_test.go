package endpoint_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The dashboard of the first scenario: the incident is a shaded span on its
// chart, the two changes are markers on it, and the list links to the
// draft, relative to the page wherever the handler is mounted. A change's
// text is escaped.
func TestDashboardIncidents(t *testing.T) {
	_, h := outage(t, "")
	res, b := get(t, h, "GET", "/ui")
	if res.StatusCode != 200 {
		t.Fatalf("GET /ui: %d", res.StatusCode)
	}
	page := string(b)
	// The chart runs from the first events (t0) to now (t0 + 31h10m): the
	// span from the onset (t0 + 24h) to the resolution (t0 + 30h09m40s).
	span := regexp.MustCompile(`<span class="incspan" style="left: ([0-9.]+)%; width: ([0-9.]+)%" title="Incident 1 \(closed\): from Jan 6 00:00:00 UTC, page-1h fired at Jan 6 00:01:00 UTC, 6,000 bad events"><span class="inclabel">#1</span></span>`)
	m := span.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no span of incident 1 in the chart:\n%s", page)
	}
	if m[1] != "77.01" || m[2] != "19.77" {
		t.Errorf("span at %s%% wide %s%%, want 77.01%% (24h of 31h10m) and 19.77%% (6h09m40s)", m[1], m[2])
	}
	for _, want := range []string{
		`<span class="chgmark marked" style="left: 70.59%" title="Change (marked) at Jan 5 22:00:00 UTC: config push: pool size 64 · running v1.4.2">`,
		`<span class="chgmark marked" style="left: 76.47%" title="Change (marked) at Jan 5 23:50:00 UTC: flag checkout-v2 on &lt;b&gt; · running v1.4.2">`,
		`<tr class="" id="incident-1"><td class="incid">#1</td><td class="state">closed</td><td data-label="Onset">Jan 6 00:00:00 UTC</td><td data-label="Duration">6h 9m</td>`,
		`<div>marked: flag checkout-v2 on &lt;b&gt;, 10m before the onset</div>`,
		`<div>api: 6,000 bad of 221,900 · 543.6% of the budget</div>`,
		`<a class="draft" href="incidents/1.md">draft</a>`,
		`<td>flag checkout-v2 on &lt;b&gt;</td>`,
		`<i class="key inc"></i>incident`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "on <b>") {
		t.Error("a change's text is not escaped")
	}
	_, b = get(t, h, "GET", "/ui/")
	if !strings.Contains(string(b), `href="../incidents/1.md"`) {
		t.Error("from ui/ the link to the draft does not go one level up")
	}
}

// A group value with markup, on the chart's span and in the list, is text.
func TestDashboardIncidentsEscaped(t *testing.T) {
	_, h := outage(t, `<img src=x onerror=alert(1)>`)
	_, b := get(t, h, "GET", "/ui")
	page := string(b)
	if strings.Contains(page, "<img") {
		t.Errorf("markup from a group value reached the page")
	}
	if !strings.Contains(page, `api [&lt;img src=x onerror=alert(1)&gt;]: 6,000 bad`) {
		t.Errorf("the incident list does not name the group")
	}
}

// GET changes: newest first, each with what was spent while it was the
// latest, exactly (a bucket holding a change's start counts for it: the
// call at 23:50:00.0 is the flag's).
func TestChangesEndpoint(t *testing.T) {
	_, h := outage(t, "")
	res, b := get(t, h, "GET", "/changes")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	var rep struct {
		Changes []struct {
			Time        time.Time  `json:"time"`
			Kind        string     `json:"kind"`
			Description string     `json:"description"`
			Until       *time.Time `json:"until"`
			Budget      []struct {
				Objective string `json:"objective"`
				Events    struct {
					Good, Bad, Total int64
				} `json:"events"`
				PeriodEvents   int64    `json:"period_events"`
				BudgetConsumed *float64 `json:"budget_consumed"`
			} `json:"budget"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		desc       string
		until      string
		good, bad  int64
		consumedGT float64
	}{
		{"flag checkout-v2 on <b>", "", 258001, 6000, 5.3},
		{"config push: pool size 64", "2026-01-05T23:50:00Z", 66000, 0, 0},
		{"first start of v1.4.2", "2026-01-05T22:00:00Z", 791999, 0, 0},
	}
	if len(rep.Changes) != len(want) {
		t.Fatalf("%d changes, want %d:\n%s", len(rep.Changes), len(want), b)
	}
	for i, w := range want {
		c := rep.Changes[i]
		until := ""
		if c.Until != nil {
			until = c.Until.Format(time.RFC3339)
		}
		if c.Description != w.desc || until != w.until || len(c.Budget) != 1 {
			t.Fatalf("change %d: %q until %q, %d budgets; want %q until %q", i, c.Description, until, len(c.Budget), w.desc, w.until)
		}
		x := c.Budget[0]
		if x.Objective != "api" || x.Events.Good != w.good || x.Events.Bad != w.bad || x.Events.Total != w.good+w.bad || x.PeriodEvents != 1122000 {
			t.Errorf("change %d (%s): %+v, want %d good %d bad of 1122000", i, w.desc, x, w.good, w.bad)
		}
		// 6000 ÷ (0.001 × 1,122,000) = 5.3476
		if x.BudgetConsumed == nil || *x.BudgetConsumed < w.consumedGT || *x.BudgetConsumed > w.consumedGT+0.05 {
			t.Errorf("change %d (%s): budget consumed %v", i, w.desc, x.BudgetConsumed)
		}
	}
	if res, _ := get(t, h, "POST", "/changes"); res.StatusCode != 405 {
		t.Errorf("POST /changes: %d, want 405", res.StatusCode)
	}
}
