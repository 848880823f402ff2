package endpoint_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
	"github.com/errbudget/errbudget/sli"
)

type unjudgedJSON struct {
	Objective    string `json:"objective"`
	Group        string `json:"group"`
	Events       int64  `json:"events"`
	EventsNeeded int64  `json:"events_needed"`
}

// The gate says why it lets a release through: 5 of 6 calls failed, which
// spends a 99.9% budget many times over, but the policy judges only from
// 100 events in the period. Releases stay allowed, reasons stays empty (it
// lists what freezes releases), and unjudged names the objective with its
// counts. Objectives the policy judges, and advisory ones (which never hold
// releases back), are not listed.
func TestGateUnjudged(t *testing.T) {
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
	checkout.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good})
	checkout.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 5)
	eu.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 150) // judged: healthy
	us.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 99)  // one short
	exp.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 3)   // advisory: not listed
	h := endpoint.New(tr)

	var g struct {
		ReleaseAllowed bool              `json:"release_allowed"`
		Reasons        []json.RawMessage `json:"reasons"`
		Unjudged       []unjudgedJSON    `json:"unjudged"`
	}
	res, body := get(t, h, http.MethodGet, "/gate")
	if err := json.Unmarshal(body, &g); err != nil {
		t.Fatal(err)
	}
	want := []unjudgedJSON{{"checkout", "", 6, 100}, {"search", "us", 99, 100}}
	if res.StatusCode != http.StatusOK || !g.ReleaseAllowed || g.Reasons == nil || len(g.Reasons) != 0 || !reflect.DeepEqual(g.Unjudged, want) {
		t.Fatalf("gate with 5 of 6 failed: %d %s\nwant 200, reasons [], unjudged %+v", res.StatusCode, body, want)
	}

	// GET / says the same at the top level, and each objective carries
	// the policy's minimum beside its reason.
	var r struct {
		Unjudged   []unjudgedJSON `json:"unjudged"`
		Objectives []struct {
			Name   string `json:"name"`
			Policy struct {
				State     string `json:"state"`
				Reason    string `json:"reason"`
				MinEvents *int64 `json:"min_events"`
			} `json:"policy"`
		} `json:"objectives"`
	}
	_, body = get(t, h, http.MethodGet, "/")
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Unjudged, want) {
		t.Errorf("GET / unjudged %+v, want %+v", r.Unjudged, want)
	}
	for _, o := range r.Objectives {
		if o.Policy.MinEvents == nil || *o.Policy.MinEvents != 100 {
			t.Errorf("%s: policy.min_events %v, want 100", o.Name, o.Policy.MinEvents)
		}
	}
	if o := r.Objectives[0]; o.Policy.State != "healthy" || o.Policy.Reason != "insufficient_events" {
		t.Errorf("checkout policy %+v, want healthy for insufficient_events", o.Policy)
	}

	// The dashboard's banner says it in words.
	_, body = get(t, h, http.MethodGet, "/ui")
	for _, s := range []string{
		`Releases allowed — 2 objectives not judged yet: <b>checkout</b> 6 of 100 events, <b>search [us]</b> 99 of 100 events.`,
		`id="healthy">4 healthy<`, `id="at-risk">0 at risk<`, `id="exhausted">0 exhausted<`,
	} {
		if !strings.Contains(string(body), s) {
			t.Errorf("dashboard lacks %q", s)
		}
	}

	// 94 more good calls: 100 events, 5 bad. The policy judges now, the
	// budget is spent: 423, checkout in reasons and no longer unjudged.
	clk.Advance(time.Second)
	checkout.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 94)
	clk.Advance(time.Second) // past the endpoint's 1 s cache
	res, body = get(t, h, http.MethodGet, "/gate")
	g.Reasons, g.Unjudged = nil, nil
	if err := json.Unmarshal(body, &g); err != nil {
		t.Fatal(err)
	}
	want = []unjudgedJSON{{"search", "us", 99, 100}}
	if res.StatusCode != http.StatusLocked || g.ReleaseAllowed || len(g.Reasons) != 1 || !reflect.DeepEqual(g.Unjudged, want) {
		t.Fatalf("gate with 5 of 100 failed: %d %s\nwant 423, checkout in reasons, unjudged %+v", res.StatusCode, body, want)
	}
	_, body = get(t, h, http.MethodGet, "/ui")
	if s := `<div class="banner info" id="unjudged">1 objective not judged yet: <b>search [us]</b> 99 of 100 events.`; !strings.Contains(string(body), s) {
		t.Errorf("frozen dashboard lacks %q", s)
	}
}

// A policy with its own minimum reports that minimum; once every objective
// is judged, unjudged is an empty array, not null.
func TestGateUnjudgedFollowsPolicy(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.99}, {Name: "idle", Target: 0.99}},
		budget.WithClock(clk.Now), budget.WithPolicy(budget.Policy{MinEvents: 10}))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	api.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 9)
	_, body := get(t, endpoint.New(tr), http.MethodGet, "/gate")
	if !strings.Contains(string(body), `"events": 9,
      "events_needed": 10`) || !strings.Contains(string(body), `"objective": "idle",
      "group": "",
      "events": 0,`) {
		t.Errorf("gate: %s, want api 9 of 10 and idle 0 of 10", body)
	}

	tr2, _ := budget.New([]sli.Objective{{Name: "api", Target: 0.99}}, budget.WithClock(clk.Now), budget.WithPolicy(budget.Policy{MinEvents: 10}))
	api2, _ := tr2.Series("api", "")
	api2.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 10)
	_, body = get(t, endpoint.New(tr2), http.MethodGet, "/gate")
	if !strings.Contains(string(body), `"unjudged": []`) {
		t.Errorf("gate with every objective judged: %s, want \"unjudged\": []", body)
	}
	_, body = get(t, endpoint.New(tr2), http.MethodGet, "/ui")
	if strings.Contains(string(body), `id="unjudged"`) {
		t.Errorf("dashboard shows the unjudged banner with every objective judged")
	}
}

// TestRegressionChipsCountEachState: the header counted every objective
// that was not healthy as "at risk", exhausted ones included ("2 of 5 at
// risk" for one at risk and one exhausted). Each state has its own count.
func TestRegressionChipsCountEachState(t *testing.T) {
	tr, _ := fixture.New(t)
	_, body := get(t, endpoint.New(tr), http.MethodGet, "/ui")
	for _, s := range []string{`id="healthy">3 healthy<`, `id="at-risk">1 at risk<`, `id="exhausted">1 exhausted<`} {
		if !strings.Contains(string(body), s) {
			t.Errorf("dashboard lacks %q", s)
		}
	}
}
