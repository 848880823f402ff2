package endpoint_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
	"github.com/errbudget/errbudget/internal/sharedstatus"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	return m
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func hasKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no key %q (has %v)", what, k, keys(m))
		}
	}
}

// Acceptance 1: GET / decodes into the contract's fields, checked against
// known traffic.
func TestJSONContract(t *testing.T) {
	clk := budgettest.NewClock(t0)
	objs := []sli.Objective{
		{Name: "api-availability", Description: "every call", Target: 0.999},
		{Name: "api-latency", Kind: sli.Latency, Target: 0.99, Threshold: 250 * time.Millisecond, GroupBy: "route"},
		{Name: "monthly", Target: 0.99, Window: sli.CalendarMonth("Europe/Berlin")},
	}
	tr, err := budget.New(objs, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	avail, _ := tr.Series("api-availability", "")
	lat, _ := tr.Series("api-latency", "/v1/chat")
	// 10 calls a second for an hour, 1% failing: 36,000 calls, 360 bad.
	start := clk.Now()
	good, bad := budgettest.Traffic{Rate: 10, ErrorRatio: 0.01, Latency: 100 * time.Millisecond}.Run(clk, avail, time.Hour)
	if good != 35640 || bad != 360 {
		t.Fatalf("traffic sent %d good, %d bad", good, bad)
	}
	clk.Set(start)
	budgettest.Traffic{Rate: 10, Latency: 100 * time.Millisecond}.Run(clk, lat, time.Hour)

	h := endpoint.New(tr)
	res, body := get(t, h, http.MethodGet, "/")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	doc := decode(t, body)
	hasKeys(t, "document", doc, "generated_at", "release_allowed", "objectives")
	if doc["generated_at"] != "2026-01-05T01:00:00Z" {
		t.Errorf("generated_at = %v", doc["generated_at"])
	}
	if doc["release_allowed"] != false { // api-availability spent 10 budgets
		t.Errorf("release_allowed = %v", doc["release_allowed"])
	}
	objsJSON := doc["objectives"].([]any)
	if len(objsJSON) != 3 {
		t.Fatalf("%d objectives, want 3", len(objsJSON))
	}
	a := objsJSON[0].(map[string]any)
	hasKeys(t, "objective", a, "name", "description", "kind", "target", "window", "events", "sli", "error_budget",
		"burn_rates", "alerts", "policy", "exhaustion_eta", "latency_seconds", "corrections")
	for _, absent := range []string{"group", "threshold_seconds"} {
		if _, ok := a[absent]; ok {
			t.Errorf("availability objective has %q", absent)
		}
	}
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	check("name", a["name"], "api-availability")
	check("description", a["description"], "every call")
	check("kind", a["kind"], "availability")
	check("target", a["target"], 0.999)
	w := a["window"].(map[string]any)
	check("window.type", w["type"], "rolling")
	check("window.duration", w["duration"], "720h")
	ev := a["events"].(map[string]any)
	check("events.good", ev["good"], 35640.0)
	check("events.bad", ev["bad"], 360.0)
	check("events.total", ev["total"], 36000.0)
	check("sli", a["sli"], 0.99)
	eb := a["error_budget"].(map[string]any)
	// 1% errors against a 0.1% budget: 10 times the budget of these events.
	check("error_budget.consumed", eb["consumed"], 10.0)
	check("error_budget.remaining", eb["remaining"], -9.0)
	br := a["burn_rates"].(map[string]any)
	if len(br) != 8 {
		t.Errorf("burn_rates has %d keys: %v", len(br), keys(br))
	}
	// One call in 100 fails, each 10-second bucket holds 100 calls and
	// one failure, and the last call (at 01:00:00, a failure) opens a bucket
	// of its own, which the short windows include.
	check("burn_rates.5m", br["5m"], budget.BurnRate(2970, 31, 0.999).Value)
	check("burn_rates.30m", br["30m"], budget.BurnRate(17820, 181, 0.999).Value)
	for _, k := range []string{"1h", "2h", "6h", "1d", "3d", "period"} {
		check("burn_rates."+k, br[k], 10.0)
	}
	alerts := a["alerts"].([]any)
	if len(alerts) != 4 {
		t.Fatalf("%d alerts", len(alerts))
	}
	p1 := alerts[0].(map[string]any)
	hasKeys(t, "alert", p1, "name", "severity", "long_window", "short_window", "burn_rate_threshold", "firing", "since")
	check("alert.name", p1["name"], "page-1h")
	check("alert.severity", p1["severity"], "page")
	check("alert.long_window", p1["long_window"], "1h")
	check("alert.short_window", p1["short_window"], "5m")
	check("alert.burn_rate_threshold", p1["burn_rate_threshold"], 14.4)
	check("alert.firing", p1["firing"], false) // burn 10 < 14.4
	check("alert.since", p1["since"], nil)
	p6 := alerts[1].(map[string]any)
	check("page-6h firing", p6["firing"], true) // 10 > 6 over 6h (an hour of data) and 30m
	check("page-6h since", p6["since"], "2026-01-05T01:00:00Z")
	check("ticket-1d long_window", alerts[2].(map[string]any)["long_window"], "24h")
	pol := a["policy"].(map[string]any)
	check("policy.state", pol["state"], "exhausted")
	check("policy.release_allowed", pol["release_allowed"], false)
	check("exhaustion_eta", a["exhaustion_eta"], nil) // nothing left
	check("latency_seconds", a["latency_seconds"], nil)
	if c, ok := a["corrections"].([]any); !ok || len(c) != 0 {
		t.Errorf("corrections = %#v, want []", a["corrections"])
	}

	l := objsJSON[1].(map[string]any)
	check("latency kind", l["kind"], "latency")
	check("threshold_seconds", l["threshold_seconds"], 0.25)
	g := l["group"].(map[string]any)
	check("group.label", g["label"], "route")
	check("group.value", g["value"], "/v1/chat")
	check("latency sli", l["sli"], 1.0)
	ls := l["latency_seconds"].(map[string]any)
	hasKeys(t, "latency_seconds", ls, "p50", "p90", "p99", "max")
	check("latency max", ls["max"], 0.1)

	m := objsJSON[2].(map[string]any)
	mw := m["window"].(map[string]any)
	check("calendar type", mw["type"], "calendar")
	check("calendar unit", mw["unit"], "month")
	check("calendar time_zone", mw["time_zone"], "Europe/Berlin")
	check("calendar start", mw["start"], "2026-01-01T00:00:00+01:00")
	check("calendar end", mw["end"], "2026-02-01T00:00:00+01:00")
	check("no-data sli", m["sli"], nil)
}

// Acceptance 1, no traffic: every ratio is null, never NaN.
func TestJSONNoTraffic(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		{Name: "quiet", Target: 0.999},
		{Name: "quiet-latency", Kind: sli.Latency, Target: 0.99, Threshold: time.Second},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, endpoint.New(tr), http.MethodGet, "/")
	if strings.Contains(string(body), "NaN") || strings.Contains(string(body), "Inf") {
		t.Fatalf("body has NaN or Inf:\n%s", body)
	}
	doc := decode(t, body)
	if doc["release_allowed"] != true {
		t.Errorf("release_allowed = %v without traffic", doc["release_allowed"])
	}
	for _, o := range doc["objectives"].([]any) {
		o := o.(map[string]any)
		for _, k := range []string{"sli", "exhaustion_eta"} {
			if v, ok := o[k]; !ok || v != nil {
				t.Errorf("%s: %s = %#v, want null", o["name"], k, v)
			}
		}
		eb := o["error_budget"].(map[string]any)
		if eb["consumed"] != nil || eb["remaining"] != nil {
			t.Errorf("%s: error_budget = %v, want nulls", o["name"], eb)
		}
		for k, v := range o["burn_rates"].(map[string]any) {
			if v != nil {
				t.Errorf("%s: burn_rates[%s] = %v, want null", o["name"], k, v)
			}
		}
		for _, a := range o["alerts"].([]any) {
			a := a.(map[string]any)
			if a["firing"] != false || a["since"] != nil {
				t.Errorf("%s: alert %v", o["name"], a)
			}
			if a["long_burn_rate"] != nil {
				t.Errorf("%s: long_burn_rate = %v", o["name"], a["long_burn_rate"])
			}
		}
		if o["kind"] == "latency" {
			ls := o["latency_seconds"].(map[string]any)
			for _, k := range []string{"p50", "p90", "p99", "max"} {
				if ls[k] != nil {
					t.Errorf("latency_seconds.%s = %v, want null", k, ls[k])
				}
			}
		}
		ev := o["events"].(map[string]any)
		if ev["good"] != 0.0 || ev["bad"] != 0.0 || ev["total"] != 0.0 {
			t.Errorf("events = %v", ev)
		}
		if o["policy"].(map[string]any)["state"] != "healthy" {
			t.Errorf("policy = %v", o["policy"])
		}
	}
}

// Acceptance 2: the gate is open, then closes once the budget is spent,
// naming the objective that closed it.
func TestGate(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		{Name: "checkout", Target: 0.999},
		{Name: "search", Target: 0.99, GroupBy: "region"},
		{Name: "experimental", Target: 0.999, Advisory: true},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	checkout, _ := tr.Series("checkout", "")
	eu, _ := tr.Series("search", "eu")
	us, _ := tr.Series("search", "us")
	exp, _ := tr.Series("experimental", "")
	h := endpoint.New(tr)

	type gate struct {
		ReleaseAllowed *bool `json:"release_allowed"`
		Reasons        []struct {
			Objective *string       `json:"objective"`
			Group     *string       `json:"group"`
			State     *string       `json:"state"`
			Remaining *budget.Float `json:"remaining"`
		} `json:"reasons"`
	}
	ask := func() (int, gate, string) {
		t.Helper()
		res, body := get(t, h, http.MethodGet, "/gate")
		var g gate
		if err := json.Unmarshal(body, &g); err != nil || g.ReleaseAllowed == nil || g.Reasons == nil {
			t.Fatalf("gate body %s: %v", body, err)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		return res.StatusCode, g, string(body)
	}

	// Clean traffic: releases allowed, reasons an empty array.
	start := clk.Now()
	budgettest.Traffic{Rate: 10}.Run(clk, checkout, time.Hour)
	for _, s := range []*budget.Series{eu, us, exp} {
		clk.Set(start)
		budgettest.Traffic{Rate: 10}.Run(clk, s, time.Hour)
	}
	code, g, body := ask()
	if code != http.StatusOK || !*g.ReleaseAllowed || len(g.Reasons) != 0 || !strings.Contains(body, `"reasons": []`) {
		t.Fatalf("clean traffic: %d %s", code, body)
	}

	// An hour of 1% errors for checkout, 2% for search in eu and the
	// advisory objective: three budgets are spent, two close the gate.
	start = clk.Now()
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.01}.Run(clk, checkout, time.Hour)
	clk.Set(start)
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.02}.Run(clk, eu, time.Hour)
	clk.Set(start)
	budgettest.Traffic{Rate: 10}.Run(clk, us, time.Hour)
	clk.Set(start)
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.01}.Run(clk, exp, time.Hour)
	code, g, body = ask()
	if code != http.StatusLocked || *g.ReleaseAllowed {
		t.Fatalf("spent budget: %d %s", code, body)
	}
	if len(g.Reasons) != 2 {
		t.Fatalf("reasons: %s", body)
	}
	r0, r1 := g.Reasons[0], g.Reasons[1]
	if *r0.Objective != "checkout" || *r0.Group != "" || *r0.State != "exhausted" || r0.Remaining.Value != 1-5.0 {
		// 36,000 clean + 36,000 at 1%: 360 bad of 72,000 is 5 budgets.
		t.Errorf("reason 0: %s", body)
	}
	if *r1.Objective != "search" || *r1.Group != "eu" || *r1.State != "exhausted" || r1.Remaining.Value != 0 {
		// 720 bad of 72,000 is exactly the 1% budget: nothing remains.
		t.Errorf("reason 1: %s", body)
	}

	// HEAD answers the same status without a body.
	res, b := get(t, h, http.MethodHead, "/gate")
	if res.StatusCode != http.StatusLocked || len(b) != 0 {
		t.Errorf("HEAD /gate: %d, %d bytes", res.StatusCode, len(b))
	}
}

func TestMethodsAndPaths(t *testing.T) {
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, budget.WithClock(budgettest.NewClock(t0).Now))
	if err != nil {
		t.Fatal(err)
	}
	h := endpoint.New(tr)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		for _, p := range []string{"/", "/ui", "/gate", "/openslo"} {
			res, _ := get(t, h, m, p)
			if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q", m, p, res.StatusCode, res.Header.Get("Allow"))
			}
		}
	}
	for _, p := range []string{"/", "/ui", "/gate", "/openslo"} {
		res, body := get(t, h, http.MethodHead, p)
		if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Length") == "" {
			t.Errorf("HEAD %s: %d, %d bytes, length %q", p, res.StatusCode, len(body), res.Header.Get("Content-Length"))
		}
	}
	if res, _ := get(t, h, http.MethodGet, "/nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope: %d", res.StatusCode)
	}
}

// The documented mountings all route the same way.
func TestMounting(t *testing.T) {
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, budget.WithClock(budgettest.NewClock(t0).Now))
	if err != nil {
		t.Fatal(err)
	}
	h := endpoint.New(tr)
	both := http.NewServeMux()
	both.Handle("/slo", h)
	both.Handle("/slo/", h)
	strip := http.NewServeMux()
	strip.Handle("/slo/", http.StripPrefix("/slo", h))
	methods := http.NewServeMux()
	methods.Handle("GET /admin/slo/", http.StripPrefix("/admin/slo", h))
	wild := http.NewServeMux()
	wild.Handle("/t/{tenant}/slo/", h)
	for _, c := range []struct {
		name string
		mux  http.Handler
		base string
	}{
		{"pattern pair", both, "/slo"},
		{"strip prefix", strip, "/slo"},
		{"method pattern", methods, "/admin/slo"},
		{"wildcard", wild, "/t/acme/slo"},
		{"whole listener", h, ""},
	} {
		for _, x := range []struct {
			path, want string
		}{
			{"/", `"objectives"`},
			{"/ui", "<!doctype html>"},
			{"/ui/", "<!doctype html>"},
			{"/gate", `"reasons"`},
		} {
			if c.base != "" && x.path == "/" && c.name == "pattern pair" {
				x.path = "" // GET /slo itself
			}
			if c.base == "" && x.path == "" {
				continue
			}
			res, body := get(t, c.mux, http.MethodGet, c.base+x.path)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), x.want) {
				t.Errorf("%s: GET %s: %d %.80q", c.name, c.base+x.path, res.StatusCode, body)
			}
		}
		if res, _ := get(t, c.mux, http.MethodGet, c.base+"/other"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: GET %s/other: %d", c.name, c.base, res.StatusCode)
		}
	}
}

// The status is computed once per interval however often it is asked,
// and concurrent requests share one computation.
func TestComputedOncePerInterval(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var evaluations int
	var mu sync.Mutex
	tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, budget.WithClock(clk.Now),
		budget.WithPolicy(budget.Policy{MinEvents: 1}),
		budget.OnTransition(func(budget.Transition) {
			mu.Lock()
			evaluations++
			mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("a", "")
	h := endpoint.New(tr, endpoint.WithInterval(time.Second))
	generated := func() string {
		_, b := get(t, h, http.MethodGet, "/")
		return decode(t, b)["generated_at"].(string)
	}
	first := generated()
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if g := generated(); g != first {
					t.Errorf("generated_at %s, want the cached %s", g, first)
				}
			}
		}()
	}
	wg.Wait()

	// A bad event now changes the policy, but not before the interval ends.
	clk.Advance(500 * time.Millisecond)
	s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad})
	if g := generated(); g != first {
		t.Errorf("recomputed within the interval: %s", g)
	}
	_, b := get(t, h, http.MethodGet, "/gate")
	if !strings.Contains(string(b), `"release_allowed": true`) {
		t.Errorf("gate recomputed within the interval: %s", b)
	}
	clk.Advance(500 * time.Millisecond)
	if g := generated(); g != "2026-01-05T00:00:01Z" {
		t.Errorf("generated_at %s after the interval", g)
	}
	res, _ := get(t, h, http.MethodGet, "/gate")
	if res.StatusCode != http.StatusLocked {
		t.Errorf("gate %d after the interval", res.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if evaluations != 1 { // healthy → exhausted, seen once
		t.Errorf("%d transitions delivered, want 1", evaluations)
	}
}

// Acceptance 3: an objective's name is text, never markup, wherever it is
// rendered.
func TestDashboardEscapes(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		{Name: evil, Description: `"><img src=x onerror=alert(2)>`, Target: 0.99, GroupBy: `<b>label</b>`},
	}, budget.WithClock(clk.Now), budget.WithPolicy(budget.Policy{MinEvents: 1}))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series(evil, `<i>group</i>`)
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.5}.Run(clk, s, time.Minute) // exhausted: named in the banner too
	h := endpoint.New(tr)
	res, body := get(t, h, http.MethodGet, "/ui")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /ui: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	page := string(body)
	for _, raw := range []string{evil, "<img", "<b>label", "<i>group"} {
		if strings.Contains(page, raw) {
			t.Errorf("page contains raw %q", raw)
		}
	}
	if n := strings.Count(page, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 2 { // the card and the banner
		t.Errorf("escaped name appears %d times", n)
	}
	if strings.Contains(page, "<script") {
		t.Errorf("page has a script element")
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	// JSON escapes it too (as \u003c), and the gate names it.
	_, body = get(t, h, http.MethodGet, "/gate")
	if strings.Contains(string(body), "<script") || !strings.Contains(string(body), `\u003cscript\u003e`) {
		t.Errorf("gate: %s", body)
	}
}

// The dashboard shows every objective and group, its chart and its
// figures, and nothing external.
func TestDashboardContent(t *testing.T) {
	tr, _ := fixture.New(t)
	res, body := get(t, endpoint.New(tr, endpoint.WithTitle("Checkout & chat")), http.MethodGet, "/ui")
	if res.StatusCode != 200 {
		t.Fatalf("GET /ui: %d", res.StatusCode)
	}
	page := string(body)
	for _, want := range []string{
		"Checkout &amp; chat",
		`data-objective="checkout-availability"`, `data-objective="checkout-latency"`, `data-objective="chat-quality"`,
		"model = gpt-4o", "model = llama-3-70b",
		"Releases frozen", "Release gate closed by <b>chat-ttft [llama-3-70b]</b>",
		`<meta http-equiv="refresh" content="10">`,
		"21.7%",  // checkout-availability's budget remaining
		"−71.4%", // llama's overspent budget
		"No events in this period yet",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<svg class="burndown"`); n != 5 {
		t.Errorf("%d charts, want 5", n)
	}
	if n := strings.Count(page, `<polyline class="line`); n != 4 { // chat-quality has no data
		t.Errorf("%d curves, want 4", n)
	}
	for _, external := range []string{"https://", "<script", "<link rel=\"stylesheet", "@import", "url("} {
		if strings.Contains(page, external) {
			t.Errorf("page refers to %q", external)
		}
	}
}

// Corrections that apply to the period are listed with what identifies
// them, recurring ones with their rule.
func TestJSONCorrections(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}, {Name: "other", Target: 0.99}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.AddCorrection(budget.Correction{ID: "db-upgrade", Objective: "api", Start: t0.Add(-2 * time.Hour), End: t0.Add(-time.Hour), Reason: "database upgrade"}); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddCorrection(budget.Correction{ID: "weekly", Start: t0.Add(-26 * time.Hour), End: t0.Add(-25 * time.Hour),
		Reason: "weekly maintenance", Recurrence: "FREQ=WEEKLY", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	_, b := get(t, endpoint.New(tr), "GET", "/")
	var body struct {
		Objectives []struct {
			Name   string `json:"name"`
			Policy struct {
				State, Reason string
			} `json:"policy"`
			Corrections []struct {
				ID, Objective, Reason, Recurrence string
				Start, End                        time.Time
			} `json:"corrections"`
		} `json:"objectives"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatal(err)
	}
	ids := map[string][]string{}
	for _, o := range body.Objectives {
		if o.Policy.State != "healthy" || o.Policy.Reason != "insufficient_events" {
			t.Errorf("%s: policy %+v without traffic, want healthy for insufficient_events", o.Name, o.Policy)
		}
		for _, c := range o.Corrections {
			ids[o.Name] = append(ids[o.Name], c.ID+":"+c.Recurrence)
			if c.ID == "db-upgrade" && (!c.Start.Equal(t0.Add(-2*time.Hour)) || c.Reason != "database upgrade") {
				t.Errorf("db-upgrade listed as %+v", c)
			}
		}
	}
	if got := strings.Join(ids["api"], ","); !strings.Contains(got, "db-upgrade:") || !strings.Contains(got, "weekly:FREQ=WEEKLY") {
		t.Errorf("api lists %q, want db-upgrade and the weekly window", got)
	}
	if got := strings.Join(ids["other"], ","); strings.Contains(got, "db-upgrade") || !strings.Contains(got, "weekly:FREQ=WEEKLY") {
		t.Errorf("other lists %q, want only the weekly window", got)
	}
}

// GET / is written without indentation (a megabyte at 400 series, a
// quarter of it spaces before); ?pretty indents it by two spaces. Both are
// the same document.
func TestJSONCompactAndPretty(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999, GroupBy: "route"}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{"/a", "/b"} {
		s, _ := tr.Series("api", route)
		budgettest.Traffic{Rate: 1, ErrorRatio: 0.01}.Run(clk, s, time.Minute)
	}
	h := endpoint.New(tr)
	_, compact := get(t, h, http.MethodGet, "/")
	res, pretty := get(t, h, http.MethodGet, "/?pretty")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("?pretty: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(string(compact), "\n  ") || !strings.HasSuffix(string(compact), "}\n") || strings.Count(string(compact), "\n") != 1 {
		t.Errorf("GET / is not one compact line:\n%.300s", compact)
	}
	if !strings.HasPrefix(string(pretty), "{\n  \"service\": ") || !strings.HasSuffix(string(pretty), "}\n") {
		t.Errorf("GET /?pretty is not indented:\n%.300s", pretty)
	}
	var want bytes.Buffer
	json.Indent(&want, compact, "", "  ")
	if want.String() != string(pretty) {
		t.Errorf("?pretty is not GET / indented")
	}
}

// The JSON does not pay for the dashboard's burn-downs: the shared
// status carries none, even once the dashboard was asked for (it draws
// its own, budget.Tracker.BurnDownOf).
func TestJSONComputesNoBurnDowns(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.01}.Run(clk, s, time.Minute)
	h := endpoint.New(tr)
	for _, path := range []string{"/ui", "/", "/gate"} {
		get(t, h, http.MethodGet, path)
		if snap := sharedstatus.For(tr).Get(time.Second); len(snap.Statuses[0].BurnDown.Points) != 0 {
			t.Errorf("after GET %s the shared snapshot carries burn-downs (%d points)", path, len(snap.Statuses[0].BurnDown.Points))
		}
	}
}
