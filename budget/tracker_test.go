package budget_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/sli"
)

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := budget.New([]sli.Objective{
		{Name: "chat", Target: 1.2},
		{Name: "neg", Target: 0.99, Window: sli.Rolling(-time.Hour)},
		{Name: "", Target: 0.99},
		{Name: "chat", Target: 0.99},
		{Name: "slow", Kind: sli.Latency, Target: 0.99},
	}, budget.WithAlertRules([]budget.AlertRule{{Name: "odd", Severity: 9, LongWindow: time.Minute, ShortWindow: time.Hour}}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"target must be in (0,1), got 1.2", "window must be positive", "name is empty",
		`"chat": name is declared more than once`, `"slow": latency kind needs a positive threshold`,
		`alert rule "odd": severity`, `alert rule "odd": windows must satisfy`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestGroupsAreCappedWithAnOverflowGroup(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{{Name: "by-model", Target: 0.99, GroupBy: "model", MaxGroups: 3}}, budget.WithClock(clk.Now))
	slo := tr.SLO("by-model")
	for i := range 10 {
		slo.Series(fmt.Sprintf("m%d", i)).Record(sli.Event{Time: t0, Outcome: sli.Good})
	}
	first, again := slo.Series("m1"), slo.Series("m1")
	if first != again || slo.Series("m9") != slo.Series(sli.OverflowGroup) {
		t.Fatal("lookups are not stable, or a late value did not land in the overflow group")
	}
	// Past the cap, an unseen value costs a map miss and an atomic load.
	if n := testing.AllocsPerRun(100, func() { slo.Series("never-seen") }); n != 0 {
		t.Errorf("looking up an unseen value past the cap allocates %v times", n)
	}
	st := tr.Status()
	if len(st) != 4 {
		t.Fatalf("%d statuses, want 3 groups and the overflow group", len(st))
	}
	want := map[string]int64{"m0": 1, "m1": 1, "m2": 1, sli.OverflowGroup: 7}
	for _, s := range st {
		if s.Good != want[s.Group] {
			t.Errorf("group %q counted %d, want %d", s.Group, s.Good, want[s.Group])
		}
	}
}

// Transition handlers run outside every lock: one that reads the tracker
// must not deadlock, and each transition is delivered once.
func TestTransitionsAreDeliveredOutsideLocksAndLogged(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var log bytes.Buffer
	var tr *budget.Tracker
	var got []string
	tr, _ = budget.New([]sli.Objective{availability("api")},
		budget.WithClock(clk.Now),
		budget.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		budget.OnTransition(func(x budget.Transition) {
			tr.Status() // re-entrant read
			got = append(got, x.Kind.String()+" "+x.Alert.Rule.Name+x.To.String())
		}))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 2*time.Hour)
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.5}.Run(clk, s, 10*time.Minute)
	tr.Status()
	tr.Status()
	// Two hours of history: ten minutes at 50% errors set every alert off
	// and spend the budget of the period so far several times over.
	if strings.Join(got, ",") != "alert_fired page-1hhealthy,alert_fired page-6hhealthy,alert_fired ticket-1dhealthy,alert_fired ticket-3dhealthy,policy_changed exhausted" {
		t.Fatalf("transitions: %q", got)
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "alert=page-1h") {
		t.Errorf("log lacks the alert:\n%s", log.String())
	}
	since := tr.Status()[0].Alerts[0].Since
	if !since.Equal(clk.Now()) {
		t.Errorf("page-1h since %v, want %v", since, clk.Now())
	}
}

func TestBudgetExhaustedFreezesReleasesUnlessAdvisory(t *testing.T) {
	clk := budgettest.NewClock(t0)
	adv := availability("advisory")
	adv.Advisory = true
	tr, _ := budget.New([]sli.Objective{availability("api"), adv}, budget.WithClock(clk.Now))
	a, _ := tr.Series("api", "")
	b, _ := tr.Series("advisory", "")
	set := budget.Set{a, b}
	// 999 good and 1 bad at 0.999 spend the budget exactly.
	budgettest.Traffic{Rate: 1, ErrorRatio: 0.001}.Run(clk, set, 1000*time.Second)
	st := tr.Status()
	if st[0].Remaining.Value != 0 || st[0].PolicyState != budget.Exhausted || st[0].ReleaseAllowed || st[0].PolicyReason != budget.ReasonBudgetExhausted {
		t.Fatalf("remaining %v policy %v release %v, want exactly 0, exhausted, frozen", st[0].Remaining, st[0].PolicyState, st[0].ReleaseAllowed)
	}
	if !st[1].ReleaseAllowed || st[1].PolicyState != budget.Exhausted {
		t.Errorf("advisory objective: policy %v release %v, want exhausted but allowed", st[1].PolicyState, st[1].ReleaseAllowed)
	}
	g := budget.GateOf(st)
	if g.Allowed || len(g.Reasons) != 1 || g.Reasons[0].Objective != "api" {
		t.Errorf("gate %+v, want frozen by api alone", g)
	}
}

func TestExhaustionETA(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 29*24*time.Hour)
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.01}.Run(clk, s, time.Hour)
	st := tr.Status()[0]
	// Burn 10 over the last hour; consumed 360 bad / (697 hours × 36,000
	// events × 0.001) = 360/25092 of the budget.
	rem := 1 - 360.0/25092
	want := clk.Now().Add(time.Duration(rem * float64(30*24*time.Hour) / 10))
	// The 1h window is closed: it also holds the one clean event at its
	// start, which moves the ETA by seconds.
	if d := st.ExhaustionETA.Sub(want); d < -30*time.Second || d > 30*time.Second {
		t.Fatalf("ETA %v, want %v", st.ExhaustionETA, want)
	}
}

// For a calendar month the budget is counted over the month so far: the
// ETA says when a steady burn takes the month-to-date ratio to the budget.
func TestCalendarExhaustionETAMatchesTheBurn(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	clk := budgettest.NewClock(start)
	tr, _ := budget.New([]sli.Objective{{Name: "monthly", Target: 0.999, Window: sli.CalendarMonth("Europe/Berlin")}}, budget.WithClock(clk.Now))
	s, _ := tr.Series("monthly", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 24*time.Hour)
	burn3 := budgettest.Traffic{Rate: 10, ErrorRatio: 0.003}
	burn3.Run(clk, s, time.Hour)
	st := tr.Status()[0]
	// 25 h elapsed, 108 bad in 900,000: remaining 1 − 108/900 = 0.88; at
	// burn 3 it is spent after 25 h × 0.88 / 2 = 11 h.
	if st.ExhaustionETA.IsZero() {
		t.Fatal("no ETA at burn 3")
	}
	eta := st.ExhaustionETA
	if d := eta.Sub(clk.Now()); d < 10*time.Hour+50*time.Minute || d > 11*time.Hour+10*time.Minute {
		t.Fatalf("ETA in %v, want about 11h", d)
	}
	burn3.Run(clk, s, eta.Sub(clk.Now())-10*time.Minute)
	if p := tr.Status()[0].PolicyState; p == budget.Exhausted {
		t.Fatalf("exhausted 10 minutes before the ETA")
	}
	burn3.Run(clk, s, 20*time.Minute)
	if p := tr.Status()[0].PolicyState; p != budget.Exhausted {
		t.Fatalf("policy %v 10 minutes after the ETA, want exhausted", p)
	}
}

// Recording never panics: an objective whose own code panics excludes the
// event and counts the panic.
func TestPanickingClassifierIsContained(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api"), {Name: "custom", Kind: sli.Custom, Target: 0.99,
		Classify: func(e sli.Event) sli.Outcome {
			if e.ErrorType == "boom" {
				panic("classifier bug")
			}
			return sli.Good
		}}}, budget.WithClock(clk.Now))
	a, _ := tr.Series("api", "")
	c, _ := tr.Series("custom", "")
	set := budget.Set{a, c}
	before := wiring.UserPanics(tr)
	set.Record(sli.Event{Time: t0, Outcome: sli.Good})
	set.Record(sli.Event{Time: t0, Outcome: sli.Bad, ErrorType: "boom"})
	st := tr.Status()
	if st[0].Good != 1 || st[0].Bad != 1 {
		t.Errorf("availability %d/%d, want 1/1: the panic must not stop the other objectives", st[0].Good, st[0].Bad)
	}
	if st[1].Good != 1 || st[1].Bad != 0 || st[1].LifetimeExcluded != 1 {
		t.Errorf("custom %d/%d/%d, want 1 good, the panicking event excluded", st[1].Good, st[1].Bad, st[1].LifetimeExcluded)
	}
	if got := wiring.UserPanics(tr) - before; got != 1 {
		t.Errorf("%d panics counted, want 1", got)
	}
}
