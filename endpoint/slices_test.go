package endpoint_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
)

// Issue 17 item 3, through a tracker: GET /slo gives each time-slice
// objective its declaration and its budget in slices, to the value, as the
// fixture's scripted traffic leads to; the occurrence objective over the
// same traffic keeps its two error_budget fields.
func TestSliceBudgetsInJSON(t *testing.T) {
	tr, _ := fixture.Slices(t)
	_, body := get(t, endpoint.New(tr), "GET", "/")
	type counts struct{ Good, Bad, Empty int64 }
	type entry struct {
		Name  string
		Group *struct {
			Value   string
			Overall bool
		}
		BudgetingMethod *string                    `json:"budgeting_method"`
		SliceTarget     *float64                   `json:"slice_target"`
		EmptySlices     *string                    `json:"empty_slices"`
		ErrorBudget     map[string]json.RawMessage `json:"error_budget"`
	}
	var doc struct {
		Objectives []entry
		Unjudged   []map[string]any
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	type want struct {
		method, empty  string
		sliceTarget    float64
		width          float64
		period         int64
		allowedSeconds float64
		spent          float64
		slices         counts
	}
	wants := map[string]want{
		"checkout-minutes": {"timeslices", "good", 0.95, 60, 43200, 2592, 12, counts{168, 12, 0}},
		// Each outage minute spends a whole one, each other 1/600 (1,667 millionths, as kept).
		"checkout-ratio": {"ratio_timeslices", "skipped", 0, 60, 43200, 2592, 12.280056, counts{0, 180, 0}},
		"search-p95":     {"timeslices", "good", 0.95, 300, 2016, 6048, 6, counts{30, 6, 0}},
		"heartbeat":      {"timeslices", "bad", 1, 60, 1440, 864, 5, counts{175, 5, 5}},
		"api-by-route":   {"timeslices", "good", 0.9, 60, 43200, 2592, 10, counts{170, 10, 0}},
		// A minute is bad overall when either route's is: minutes 10–24.
		"api-by-route overall": {"timeslices", "good", 0.9, 60, 43200, 2592, 15, counts{165, 15, 0}},
	}
	// The policy counts search-p95's slices, not its events: 36 closed of
	// the 100 it needs.
	if u, _ := json.Marshal(doc.Unjudged); string(u) != `[{"events":36,"events_needed":100,"group":"","objective":"search-p95","unit":"slices"}]` {
		t.Errorf("unjudged %s", u)
	}
	seen := map[string]int{}
	for _, e := range doc.Objectives {
		if e.Name == "checkout" {
			if e.BudgetingMethod != nil || e.SliceTarget != nil || e.EmptySlices != nil || len(e.ErrorBudget) != 2 {
				t.Errorf("the occurrence objective's entry has slice fields: %+v", e)
			}
			continue
		}
		key := e.Name
		if e.Group != nil && e.Group.Overall {
			key += " overall"
			if e.Group.Value != "" {
				t.Errorf("overall entry's group value %q", e.Group.Value)
			}
		}
		seen[key]++
		w, ok := wants[key]
		if !ok {
			t.Errorf("unexpected entry %s", e.Name)
			continue
		}
		if e.BudgetingMethod == nil || *e.BudgetingMethod != w.method || e.EmptySlices == nil || *e.EmptySlices != w.empty ||
			(e.SliceTarget == nil) != (w.sliceTarget == 0) || e.SliceTarget != nil && *e.SliceTarget != w.sliceTarget {
			t.Errorf("%s: declaration %v %v %v", e.Name, e.BudgetingMethod, e.EmptySlices, e.SliceTarget)
		}
		var eb struct {
			Unit           string
			SliceSeconds   float64 `json:"slice_seconds"`
			PeriodSlices   int64   `json:"period_slices"`
			Allowed, Spent float64
			AllowedSeconds float64 `json:"allowed_seconds"`
			SpentSeconds   float64 `json:"spent_seconds"`
			Slices         counts
		}
		raw, _ := json.Marshal(e.ErrorBudget)
		json.Unmarshal(raw, &eb)
		if eb.Unit != "slices" || eb.SliceSeconds != w.width || eb.PeriodSlices != w.period || eb.AllowedSeconds != w.allowedSeconds ||
			eb.Spent != w.spent || math.Abs(eb.SpentSeconds-w.spent*w.width) > 1e-9 || eb.Slices != w.slices {
			t.Errorf("%s %v: error_budget %s\nwant %+v", e.Name, e.Group, raw, w)
		}
	}
	if len(seen) != len(wants) || seen["api-by-route"] != 2 || seen["api-by-route overall"] != 1 {
		t.Errorf("entries seen %v", seen)
	}
}
