package budget_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// A handler that panics on one transition loses only that one: the
// transitions detected with it are delivered by the next status, as
// deliver's comment says, not dropped with the panicking batch.
func TestHandlerPanicLeavesTheRestForTheNextStatus(t *testing.T) {
	clk := budgettest.NewClock(t0)
	panicked := false
	var got []budget.Transition
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.OnTransition(func(budget.Transition) {
			if !panicked {
				panicked = true
				panic("handler")
			}
		}),
		budget.OnTransition(func(x budget.Transition) { got = append(got, x) }))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 2*time.Hour)
	tr.Status()
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 10*time.Minute)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the handler's panic did not reach the status")
			}
		}()
		tr.Status()
	}()
	st := tr.Status()[0]
	want := len(firingPages(st)) - 1 // the first one's delivery panicked
	if want < 1 {
		t.Fatalf("want two or more page alerts firing, got %v", firingPages(st))
	}
	if fired := firedPages(got); len(fired) != want {
		t.Errorf("after the handler panicked, the next status delivered %v; want %d page alerts of %v",
			fired, want, firingPages(st))
	}
}
