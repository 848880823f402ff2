package endpoint

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// sliceStatuses returns an occurrence objective's status as a tracker
// computes it, and the same status made into a time-slice objective's:
// 30 days of 1-minute slices at 99.9% (a budget of 43.2 minutes), 12 bad
// minutes spent. They test the renderers before a tracker counts slices.
func sliceStatuses(t *testing.T) (occ, ts budget.Status) {
	t.Helper()
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.001}.Run(clk, s, 2*time.Hour)
	occ = tr.Status(budget.WithBurnDown(120))[0]
	ts = occ
	ts.Objective.Name = "api-minutes"
	ts.Objective.Budgeting = sli.Timeslices
	ts.Objective.SliceTarget = 0.95
	ts.Slices = &budget.SliceBudget{Width: time.Minute, Period: 43200, Allowed: 43.2, Spent: 12, Good: 108, Bad: 12, Empty: 3}
	ts.Consumed = budget.Float{Value: 12 / 43.2, Valid: true}
	ts.Remaining = budget.Float{Value: 1 - 12/43.2, Valid: true}
	return occ, ts
}

// Issue 17 item 3: a time-slice objective's entry carries its declaration
// and its budget in slices, to the value; an occurrence objective's entry
// keeps exactly the fields it had.
func TestSliceFieldsInJSON(t *testing.T) {
	occ, ts := sliceStatuses(t)
	ratio := ts
	ratio.Objective.Name = "api-ratio"
	ratio.Objective.Budgeting = sli.RatioTimeslices
	ratio.Objective.SliceTarget = 0
	ratio.Objective.SliceWidth = 5 * time.Minute
	ratio.Objective.EmptySlices = sli.EmptySkipped
	ratio.Slices = &budget.SliceBudget{Width: 5 * time.Minute, Period: 8640, Allowed: 8.64, Spent: 0.25, Good: 20, Bad: 4}
	b, err := json.Marshal(newReport("svc", ts.Time, []budget.Status{occ, ts, ratio}))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Objectives []map[string]json.RawMessage `json:"objectives"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	objKeys := func(m map[string]json.RawMessage) []string {
		var k []string
		for n := range m {
			k = append(k, n)
		}
		slices.Sort(k)
		return k
	}
	// The occurrence entry: today's fields, no more.
	want := []string{"advisory", "alerts", "burn_rates", "corrections", "description", "error_budget", "events", "exhaustion_eta",
		"kind", "latency_seconds", "name", "period", "policy", "sli", "target", "window"}
	if got := objKeys(doc.Objectives[0]); !slices.Equal(got, want) {
		t.Errorf("occurrence entry keys %v\nwant %v", got, want)
	}
	var eb map[string]json.RawMessage
	json.Unmarshal(doc.Objectives[0]["error_budget"], &eb)
	if got := objKeys(eb); !slices.Equal(got, []string{"consumed", "remaining"}) {
		t.Errorf("occurrence error_budget keys %v", got)
	}

	for _, c := range []struct {
		i             int
		method, empty string
		target        string // the raw JSON of slice_target; "" for none
		budget        string
	}{
		{1, `"timeslices"`, `"good"`, `0.95`,
			`{"consumed":0.2777777777777778,"remaining":0.7222222222222222,"unit":"slices","slice_seconds":60,"period_slices":43200,` +
				`"allowed":43.2,"spent":12,"allowed_seconds":2592,"spent_seconds":720,"slices":{"good":108,"bad":12,"empty":3}}`},
		{2, `"ratio_timeslices"`, `"skipped"`, ``,
			`{"consumed":0.2777777777777778,"remaining":0.7222222222222222,"unit":"slices","slice_seconds":300,"period_slices":8640,` +
				`"allowed":8.64,"spent":0.25,"allowed_seconds":2592,"spent_seconds":75,"slices":{"good":20,"bad":4,"empty":0}}`},
	} {
		e := doc.Objectives[c.i]
		if got := string(e["budgeting_method"]); got != c.method {
			t.Errorf("%d: budgeting_method %s, want %s", c.i, got, c.method)
		}
		if got := string(e["empty_slices"]); got != c.empty {
			t.Errorf("%d: empty_slices %s, want %s", c.i, got, c.empty)
		}
		if got := string(e["slice_target"]); got != c.target {
			t.Errorf("%d: slice_target %s, want %q", c.i, got, c.target)
		}
		if got := string(e["error_budget"]); got != c.budget {
			t.Errorf("%d: error_budget\n%s\nwant\n%s", c.i, got, c.budget)
		}
	}
}

// A time-slice objective whose status carries no slice budget (a status
// of a build that does not count slices yet) still says its declaration,
// and its error_budget keeps the two fields every entry has.
func TestSliceDeclarationWithoutBudget(t *testing.T) {
	_, ts := sliceStatuses(t)
	ts.Slices = nil
	b, err := json.Marshal(newObjectiveReport(&ts))
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]json.RawMessage
	json.Unmarshal(b, &e)
	if string(e["budgeting_method"]) != `"timeslices"` || string(e["slice_target"]) != "0.95" {
		t.Errorf("declaration: %s", b)
	}
	var eb map[string]json.RawMessage
	json.Unmarshal(e["error_budget"], &eb)
	if len(eb) != 2 || eb["unit"] != nil {
		t.Errorf("error_budget %s", e["error_budget"])
	}
}
