package endpoint_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/sli"
)

// Overflow is never silent: a grouped objective that saw 200 routes at the
// default cap of 50 says, on every group's entry, that 150 events went to
// _OTHER, and the dashboard says so in a banner; an ungrouped objective's
// entry carries no overflow.
func TestOverflowInJSONAndDashboard(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		{Name: "api", Target: 0.99},
		{Name: "by-route", Target: 0.99, GroupBy: "route"},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		tr.SLO("by-route").Series(fmt.Sprintf("GET /r%d", i)).Record(sli.Event{Time: clk.Now(), Duration: time.Millisecond, Outcome: sli.Good})
	}
	h := endpoint.New(tr)
	_, body := get(t, h, http.MethodGet, "/")
	objs := decode(t, body)["objectives"].([]any)
	if len(objs) != 1+sli.DefaultMaxGroups+1 {
		t.Fatalf("%d entries, want api, 50 routes and _OTHER", len(objs))
	}
	for _, o := range objs {
		e := o.(map[string]any)
		ov, has := e["overflow"].(map[string]any)
		if e["name"] == "api" {
			if has {
				t.Errorf("ungrouped entry carries overflow %v", ov)
			}
			continue
		}
		if !has || ov["max_groups"] != 50.0 || ov["events"] != 150.0 {
			t.Errorf("entry %v: overflow %v, want max_groups 50, events 150", e["group"], e["overflow"])
		}
	}
	_, page := get(t, h, http.MethodGet, "/ui")
	if want := `id="overflow"`; !strings.Contains(string(page), want) || !strings.Contains(string(page), "<b>by-route</b> 150 events past 50 route groups") {
		t.Errorf("dashboard lacks the overflow banner")
	}
}
