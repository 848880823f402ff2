package budget_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// Regression tests of issue 10, items 1–5 and 9: the clock stepping back,
// late events, statuses of past instants, huge counts, the order of
// transitions.

// firedPages returns the page alerts among the AlertFired transitions.
func firedPages(trs []budget.Transition) []string {
	var out []string
	for _, x := range trs {
		if x.Kind == budget.AlertFired && x.Alert.Rule.Severity == budget.Page {
			out = append(out, x.Alert.Rule.Name)
		}
	}
	return out
}

func firingPages(st budget.Status) []string {
	var out []string
	for _, a := range st.Firing() {
		if a.Rule.Severity == budget.Page {
			out = append(out, a.Rule.Name)
		}
	}
	return out
}

// Item 1: with the clock stepped back an hour, a 10-minute total outage
// fires page alerts in the status and delivers AlertFired to the handlers
// and the logger.
func TestRegressionClockStepBackStillDeliversTransitions(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var logs bytes.Buffer
	var trs []budget.Transition
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		budget.OnTransition(func(x budget.Transition) { trs = append(trs, x) }))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 2*time.Hour)
	tr.Status()
	clk.Set(clk.Now().Add(-time.Hour))
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 10*time.Minute)
	st := tr.Status()[0]
	if len(firingPages(st)) == 0 {
		t.Fatalf("no page alert fires after a 10-minute outage: %+v", st.Alerts)
	}
	if got := firedPages(trs); len(got) != len(firingPages(st)) {
		t.Fatalf("page alerts firing %v, AlertFired delivered for %v", firingPages(st), got)
	}
	if !strings.Contains(logs.String(), "alert_fired") {
		t.Fatalf("the logger saw no alert_fired:\n%s", logs.String())
	}
	for _, x := range trs {
		if !x.Time.Equal(st.Time) {
			t.Errorf("transition %v at %v, want the clock's %v", x, x.Time, st.Time)
		}
	}
}

// Item 1: the same after a restart from a state saved by a process whose
// clock ran an hour fast.
func TestRegressionRestoreFromFastClockStillDeliversTransitions(t *testing.T) {
	store := &budget.MemoryStore{}
	fast := budgettest.NewClock(t0.Add(time.Hour))
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(fast.Now), budget.WithStore(store, 0))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(fast, s, 2*time.Hour)
	tr.Status()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	clk := budgettest.NewClock(t0.Add(2 * time.Hour)) // the right time: an hour behind the saved state
	var trs []budget.Transition
	tr2, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithStore(store, 0),
		budget.OnTransition(func(x budget.Transition) { trs = append(trs, x) }))
	s2, _ := tr2.Series("api", "")
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s2, 10*time.Minute)
	st := tr2.Status()[0]
	if len(firingPages(st)) == 0 {
		t.Fatalf("no page alert fires after a 10-minute outage: %+v", st.Alerts)
	}
	if got := firedPages(trs); len(got) != len(firingPages(st)) {
		t.Fatalf("page alerts firing %v, AlertFired delivered for %v", firingPages(st), got)
	}
}

// Item 1: a status asked for an earlier instant than the clock's produces
// no transition, even when no later one was evaluated; the status at the
// clock then does.
func TestRegressionStatusAtPastProducesNoTransitions(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var trs []budget.Transition
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.OnTransition(func(x budget.Transition) { trs = append(trs, x) }))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, time.Hour)
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 10*time.Minute)
	budgettest.Traffic{Rate: 10}.Run(clk, s, 10*time.Minute)
	past := tr.StatusAt(clk.Now().Add(-10 * time.Minute))[0]
	if len(firingPages(past)) == 0 {
		t.Fatalf("no page alert fires at the end of the outage: %+v", past.Alerts)
	}
	if len(trs) != 0 {
		t.Fatalf("StatusAt in the past delivered %v", trs)
	}
	tr.Status()
	if len(firedPages(trs)) == 0 {
		t.Fatalf("the status at the clock delivered no AlertFired: %v", trs)
	}
}

// Item 9: concurrent status readers (as Run, the endpoint and an
// OpenTelemetry collection are) while a scripted fire → resolve → fire
// happens: the handlers see the series' transitions in that order, each
// once.
func TestConcurrentReadersDeliverTransitionsInOrder(t *testing.T) {
	for round := range 20 {
		clk := budgettest.NewClock(t0)
		rule := budget.AlertRule{Name: "fast", Severity: budget.Page, LongWindow: 10 * time.Minute, ShortWindow: time.Minute,
			BurnRate: 2, MinLongEvents: 1, MinShortEvents: 1}
		got := make(chan budget.Transition, 16)
		tr, _ := budget.New([]sli.Objective{availability("api"), availability("other")}, budget.WithClock(clk.Now),
			budget.WithAlertRules([]budget.AlertRule{rule}),
			budget.OnTransition(func(x budget.Transition) {
				if x.Objective == "api" && x.Kind != budget.PolicyChanged {
					got <- x
				}
			}))
		s, _ := tr.Series("api", "")
		budgettest.Traffic{Rate: 10}.Run(clk, s, 10*time.Minute)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						tr.Status()
					}
				}
			}()
		}
		var seen []budget.TransitionKind
		expect := func(k budget.TransitionKind) {
			t.Helper()
			select {
			case x := <-got:
				seen = append(seen, x.Kind)
				if x.Kind != k {
					t.Fatalf("round %d: transitions %v, want fired, resolved, fired", round, seen)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("round %d: no %v after 10 s (saw %v)", round, k, seen)
			}
		}
		budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 2*time.Minute)
		expect(budget.AlertFired)
		budgettest.Traffic{Rate: 10}.Run(clk, s, 2*time.Minute)
		expect(budget.AlertResolved)
		budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 2*time.Minute)
		expect(budget.AlertFired)
		close(stop)
		wg.Wait()
		tr.Status()
		select {
		case x := <-got:
			t.Fatalf("round %d: an extra transition %v", round, x)
		default:
		}
	}
}
