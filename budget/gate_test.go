package budget_test

import (
	"reflect"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// GateOf names the objectives the policy cannot judge yet, with their
// counts, apart from those that freeze releases: 5 failures in 6 calls
// leave releases allowed and say why.
func TestGateOfUnjudged(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		availability("api"),
		{Name: "advisory", Target: 0.999, Advisory: true},
		availability("spent"),
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	api.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good})
	api.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 5)
	adv, _ := tr.Series("advisory", "")
	adv.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 2)
	spent, _ := tr.Series("spent", "")
	spent.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 95)
	spent.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 5)

	sts := tr.Status()
	if sts[0].PolicyMinEvents != budget.DefaultPolicyMinEvents || sts[0].PolicyReason != budget.ReasonInsufficientEvents {
		t.Fatalf("api: min events %d, reason %s", sts[0].PolicyMinEvents, sts[0].PolicyReason)
	}
	g := budget.GateOf(sts)
	if g.Allowed || len(g.Reasons) != 1 || g.Reasons[0].Objective != "spent" {
		t.Errorf("gate %+v, want frozen by spent", g)
	}
	want := []budget.Unjudged{{Objective: "api", Events: 6, EventsNeeded: 100}}
	if !reflect.DeepEqual(g.Unjudged, want) {
		t.Errorf("unjudged %+v, want %+v", g.Unjudged, want)
	}

	// Nothing to say: empty, not nil, like Reasons.
	if g := budget.GateOf(nil); g.Unjudged == nil || len(g.Unjudged) != 0 || !g.Allowed {
		t.Errorf("GateOf(nil) = %+v", g)
	}
}
