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
	"github.com/errbudget/errbudget/sli"
)

// route is a one-label key, as httpslo's and grpcslo's are.
type route string

func (r route) Label(int) string                { return string(r) }
func (r route) WithLabel(_ int, v string) route { return route(v) }
func keepSet(_ route, s budget.Set) budget.Set  { return s }
func keepSet2(_ pair, s budget.Set) budget.Set  { return s }
func (p pair) Label(i int) string               { return p[i] }
func (p pair) WithLabel(i int, v string) pair   { p[i] = v; return p }
func newLog() (*bytes.Buffer, budget.Option) {
	var b bytes.Buffer
	return &b, budget.WithLogger(slog.New(slog.NewTextHandler(&b, nil)))
}
func lines(b *bytes.Buffer, sub string) (n int) { return strings.Count(b.String(), sub) }

// pair is a two-label key, as inferenceslo's (three) is.
type pair [2]string

// NewResolver is what every adapter wires with: all problems at once, and the
// objectives without problems in the order named.
func TestNewResolverErrors(t *testing.T) {
	tr, _ := budget.New([]sli.Objective{availability("a"), availability("b"),
		{Name: "by-model", Target: 0.99, GroupBy: "model"}, {Name: "by-route", Target: 0.99, GroupBy: "route"}})
	all, errs := budget.NewResolver(tr, nil, []string{"route", "model"}, keepSet)
	if len(all.Get("x")) != 4 || len(errs) != 0 {
		t.Fatalf("every objective: %d, %v", len(all.Get("x")), errs)
	}
	r, errs := budget.NewResolver(tr, []string{"b", "nope", "a", "b", "by-model", "by-route"}, []string{"route"}, keepSet)
	var names []string
	for _, s := range r.Get("x") {
		names = append(names, s.Objective().Name)
	}
	if strings.Join(names, ",") != "b,a,by-route" {
		t.Errorf("resolved %v, want b, a, by-route", names)
	}
	want := []string{`no objective named "nope"`, `objective "b" is named more than once`, `objective "by-model" groups by "model"; this adapter fills ["route"] only`}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %d", errs, len(want))
	}
	for i, w := range want {
		if errs[i].Error() != w {
			t.Errorf("error %d: %q, want %q", i, errs[i], w)
		}
	}
	if _, errs := budget.NewResolver(tr, []string{}, nil, keepSet); len(errs) != 1 || errs[0].Error() != "no objectives" {
		t.Errorf("no names: %v", errs)
	}
}

// Overflow is never silent: a grouped objective seeing 200 routes at the
// default cap of 50 counts 150 in _OTHER, logs it once, and says so in every
// group's status.
func TestResolverOverflowCountedAndLoggedOnce(t *testing.T) {
	clk := budgettest.NewClock(t0)
	logs, withLog := newLog()
	tr, err := budget.New([]sli.Objective{availability("all"), {Name: "by-route", Target: 0.99, GroupBy: "route"}},
		budget.WithClock(clk.Now), withLog)
	if err != nil {
		t.Fatal(err)
	}
	r, errs := budget.NewResolver(tr, nil, []string{"route"}, keepSet)
	if errs != nil {
		t.Fatal(errs)
	}
	for i := range 200 {
		r.Get(route(fmt.Sprintf("GET /r%d", i))).Record(sli.Event{Time: clk.Now(), Duration: time.Millisecond, Outcome: sli.Good})
	}
	groups := 0
	for _, st := range tr.Status() {
		switch {
		case st.Objective.Name == "all":
			if st.Overflow != 0 || st.Good != 200 {
				t.Errorf("ungrouped: overflow %d, good %d; want 0 and 200", st.Overflow, st.Good)
			}
		case st.Group == sli.OverflowGroup:
			if st.Good != 150 {
				t.Errorf("_OTHER holds %d events, want 150", st.Good)
			}
			fallthrough
		default:
			groups++
			if st.Overflow != 150 {
				t.Errorf("group %q: overflow %d, want 150", st.Group, st.Overflow)
			}
		}
	}
	if groups != 51 {
		t.Errorf("%d groups, want 50 and _OTHER", groups)
	}
	if n := lines(logs, "level=WARN"); n != 1 || lines(logs, "slo=by-route") != 1 || lines(logs, "max_groups=50") != 1 || lines(logs, `value="GET /r50"`) != 1 {
		t.Errorf("%d warnings, want one naming the objective, its cap and the first value past it:\n%s", n, logs)
	}
}

// Two labels: each objective keeps its own MaxGroups; the resolver keeps as
// many keys as the largest of them (at least sli.DefaultMaxGroups), and a
// key past that counts in _OTHER for every label.
func TestResolverKeysPastTheCap(t *testing.T) {
	logs, withLog := newLog()
	tr, _ := budget.New([]sli.Objective{
		{Name: "by-model", Target: 0.99, GroupBy: "model", MaxGroups: 3},
		{Name: "by-provider", Target: 0.99, GroupBy: "provider", MaxGroups: 60},
	}, withLog)
	r, errs := budget.NewResolver(tr, nil, []string{"provider", "model"}, keepSet2)
	if errs != nil {
		t.Fatal(errs)
	}
	for i := range 60 {
		set := r.Get(pair{"p", fmt.Sprint("m", i)})
		wantModel := fmt.Sprint("m", i)
		if i >= 3 {
			wantModel = sli.OverflowGroup
		}
		if g := set[0].Group(); g != wantModel {
			t.Errorf("key %d: model group %q, want %q", i, g, wantModel)
		}
		if g := set[1].Group(); g != "p" {
			t.Errorf("key %d: provider group %q, want p", i, g)
		}
	}
	set := r.Get(pair{"p", "m60"})
	if set[0].Group() != sli.OverflowGroup || set[1].Group() != sli.OverflowGroup {
		t.Errorf("key past 60: groups %q, %q; want _OTHER for both", set[0].Group(), set[1].Group())
	}
	if r.Overflow()[1] != set[1] {
		t.Error("Overflow is not the entry of the key past the cap")
	}
	if lines(logs, "slo=by-model") != 1 || lines(logs, "slo=by-provider") != 1 || lines(logs, "max_keys=60") != 1 {
		t.Errorf("want one warning per objective, the resolver's cap once:\n%s", logs)
	}
}

// A value longer than sli.MaxGroupLen counts in _OTHER, for its label only.
func TestResolverLongValue(t *testing.T) {
	logs, withLog := newLog()
	tr, _ := budget.New([]sli.Objective{{Name: "by-model", Target: 0.99, GroupBy: "model"}, {Name: "by-provider", Target: 0.99, GroupBy: "provider"}}, withLog)
	r, _ := budget.NewResolver(tr, nil, []string{"provider", "model"}, keepSet2)
	long := pair{"p", strings.Repeat("m", 1<<20)}
	set := r.Get(long)
	if set[0].Group() != sli.OverflowGroup || set[1].Group() != "p" {
		t.Errorf("long model: groups %q, %q; want _OTHER, p", set[0].Group(), set[1].Group())
	}
	if lines(logs, "max_value_len=256") != 1 {
		t.Errorf("want one warning naming the length cap:\n%s", logs)
	}
}
