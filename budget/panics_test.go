package budget_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/sli"
)

// Every panic recovered from the application's code on the recording path
// is counted in one place, Tracker.UserPanics, whether the objective's own
// Include or Classify panicked or an adapter's hook (RecoveredPanic)
// reports one; each place is logged once, with the panic's value and stack,
// and after that only counted.
func TestRecoveredPanicsCountedAndLoggedOnce(t *testing.T) {
	var log bytes.Buffer
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "custom", Kind: sli.Custom, Target: 0.99,
		Classify: func(e sli.Event) sli.Outcome { panic("classify bug") }}},
		budget.WithClock(clk.Now), budget.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("custom", "")
	for range 3 {
		s.Record(sli.Event{Time: t0, Outcome: sli.Good})
	}
	for range 2 {
		func() {
			defer func() {
				if v := recover(); v != nil {
					wiring.RecoveredPanic(tr, "adapter: classifier", v)
				}
			}()
			panic("adapter's classifier bug")
		}()
	}
	if got := wiring.UserPanics(tr); got != 5 {
		t.Errorf("UserPanics = %d, want 5 (3 from Classify, 2 from the adapter)", got)
	}
	out := log.String()
	if n := strings.Count(out, "classify bug"); n != 1 {
		t.Errorf("the objective's panic logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "adapter's classifier bug"); n != 1 {
		t.Errorf("the adapter's panic logged %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "panics_test.go") {
		t.Errorf("the log has no stack that names the panicking function:\n%s", out)
	}
	if st := tr.Status()[0]; st.LifetimeExcluded != 3 {
		t.Errorf("excluded %d, want the 3 events whose Classify panicked", st.LifetimeExcluded)
	}
}
