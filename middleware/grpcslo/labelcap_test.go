package grpcslo_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/middleware/grpcslo"
	"github.com/errbudget/errbudget/sli"
)

// A method or service name longer than sli.MaxGroupLen bytes (a generated
// service, or an unknown-service handler that registers what callers send)
// counts in the overflow group, by the rule every adapter shares
// (budget.Resolver), and is logged: the error of Register is for wiring
// mistakes only.
func TestLongMethodOverflows(t *testing.T) {
	clk := budgettest.NewClock(t0.Add(time.Second))
	tr, err := budget.New([]sli.Objective{
		{Name: "by-method", Target: 0.99, GroupBy: sli.GroupByMethod},
		{Name: "by-service", Target: 0.99, GroupBy: sli.GroupByService},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	h, err := grpcslo.New(tr)
	if err != nil {
		t.Fatal(err)
	}
	longSvc := "x." + strings.Repeat("S", 300)
	err = h.Register(services{
		longSvc:     {Methods: []grpc.MethodInfo{{Name: "Ask"}}},
		"chat.Chat": {Methods: []grpc.MethodInfo{{Name: strings.Repeat("M", 300)}, {Name: "Ask"}}},
	})
	if err != nil {
		t.Errorf("Register: %v", err)
	}
	call(h, "/"+longSvc+"/Ask", t0, 0, time.Millisecond, nil)
	call(h, "/chat.Chat/"+strings.Repeat("M", 300), t0, 0, time.Millisecond, nil)
	call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, nil)

	got := map[string]int64{}
	for _, st := range tr.Status() {
		if len(st.Group) > sli.MaxGroupLen {
			t.Errorf("%s: a group of %d bytes", st.Objective.Name, len(st.Group))
			continue
		}
		got[st.Objective.Name+" "+st.Group] = st.Good
	}
	for k, want := range map[string]int64{
		"by-method _OTHER":         2,
		"by-method /chat.Chat/Ask": 1,
		"by-service _OTHER":        1,
		"by-service chat.Chat":     2,
	} {
		if got[k] != want {
			t.Errorf("%s: %d good, want %d (all: %v)", k, got[k], want, got)
		}
	}
}

// Methods past an objective's MaxGroups share its _OTHER group, by the rule
// every adapter shares (budget.Resolver): the first is logged once with the
// cap, and the status counts their RPCs.
func TestMethodOverflowIsNotSilent(t *testing.T) {
	var logs bytes.Buffer
	clk := budgettest.NewClock(t0.Add(time.Second))
	tr, err := budget.New([]sli.Objective{{Name: "by-method", Target: 0.99, GroupBy: sli.GroupByMethod}},
		budget.WithClock(clk.Now), budget.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h, err := grpcslo.New(tr)
	if err != nil {
		t.Fatal(err)
	}
	var methods []grpc.MethodInfo
	for i := range 60 {
		methods = append(methods, grpc.MethodInfo{Name: fmt.Sprintf("M%02d", i)})
	}
	err = h.Register(services{"s.S": {Methods: methods}})
	if err != nil {
		t.Errorf("Register: %v", err)
	}
	for _, m := range methods {
		call(h, "/s.S/"+m.Name, t0, 0, time.Millisecond, nil)
	}
	sts := tr.Status()
	if len(sts) != sli.DefaultMaxGroups+1 {
		t.Errorf("%d groups, want %d and _OTHER", len(sts), sli.DefaultMaxGroups)
	}
	for _, st := range sts {
		if st.Overflow != 10 {
			t.Errorf("group %q: overflow %d, want 10", st.Group, st.Overflow)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "slo=by-method label=method max_groups=50 value=/s.S/M50") {
		t.Errorf("%d warnings, want one naming the objective, its cap and /s.S/M50:\n%s", n, logs.String())
	}
}
