package inferenceslo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

// TestNewReportsEveryProblem: every problem with the wiring comes back at
// once.
func TestNewReportsEveryProblem(t *testing.T) {
	objs := append(objectives(), sli.Objective{Name: "by-route", Target: 0.99, GroupBy: "route"})
	tr, err := budget.New(objs)
	if err != nil {
		t.Fatal(err)
	}
	_, err = inferenceslo.New(tr,
		inferenceslo.WithObjectives("avail", "nope", "avail", "by-route"),
		inferenceslo.WithClock(nil),
		inferenceslo.WithErrorOutcome(inferenceslo.None, sli.Bad),
		inferenceslo.WithErrorOutcome(inferenceslo.Timeout, sli.Good),
		inferenceslo.WithErrorClassifier(nil),
		inferenceslo.WithRequestFunc(nil),
	)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`no objective named "nope"`,
		`objective "avail" is named more than once`,
		`objective "by-route" groups by "route"`,
		"WithClock(nil)",
		"WithErrorOutcome:",
		"WithErrorOutcome(timeout): outcome must be bad or excluded",
		"WithErrorClassifier(nil)",
		"WithRequestFunc(nil)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// Every objective by default, which the one grouped by route forbids.
	if _, err := inferenceslo.New(tr); err == nil || !strings.Contains(err.Error(), "by-route") {
		t.Errorf("New with every objective: %v", err)
	}
}

// TestWithObjectives: calls count toward the named objectives only.
func TestWithObjectives(t *testing.T) {
	objs := append(objectives(), sli.Objective{Name: "http", Target: 0.99, GroupBy: "route"})
	r := newRig(t, objs, inferenceslo.WithObjectives("avail", "latency"))
	call := r.inst.Start(context.Background(), "m")
	r.clk.Advance(100 * time.Millisecond)
	call.Token()
	call.Token()
	call.End(nil)
	r.counts(t, "avail", 1, 0, 0)
	r.counts(t, "latency", 1, 0, 0)
	r.counts(t, "ttft", 0, 0, 0)
}

// TestGroupByProvider: objectives grouped by provider and by operation.
func TestGroupByProvider(t *testing.T) {
	objs := []sli.Objective{
		{Name: "by-provider", Target: 0.99, GroupBy: sli.GroupByProvider},
		{Name: "by-operation", Target: 0.99, GroupBy: sli.GroupByOperation},
		{Name: "by-model", Target: 0.99, GroupBy: sli.GroupByModel},
	}
	r := newRig(t, objs)
	for _, req := range []inferenceslo.Request{
		{Model: "a"},
		{Provider: "anthropic", Model: "b"},
		{Provider: "anthropic", Operation: "embeddings"},
	} {
		call := r.inst.StartRequest(context.Background(), req)
		call.End(nil)
	}
	got := map[string]int64{}
	for _, st := range r.tr.Status() {
		got[st.Objective.Name+"/"+st.Group] = st.Good
	}
	for k, v := range map[string]int64{
		"by-provider/openai": 1, "by-provider/anthropic": 2,
		"by-operation/chat": 2, "by-operation/embeddings": 1,
		"by-model/a": 1, "by-model/b": 1, "by-model/unknown": 1,
	} {
		if got[k] != v {
			t.Errorf("%s: good %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

// TestContext: deeper code reaches the call through the context; a context
// without one gives a nil *Call that records nothing.
func TestContext(t *testing.T) {
	objs := append(objectives(), sli.Objective{Name: "quality", Kind: sli.Quality, Target: 0.9, MinScore: 0.5})
	r := newRig(t, objs)
	ctx := context.Background()
	call := r.inst.Start(ctx, "m")
	cctx := inferenceslo.ContextWithCall(ctx, &call)
	func(ctx context.Context) { // deep in the application
		c := inferenceslo.FromContext(ctx)
		c.Token()
		c.Score(0.3)
		c.Score(0.8) // the last score counts
	}(cctx)
	call.End(nil)
	r.counts(t, "quality", 1, 0, 0)
	r.counts(t, "avail", 1, 0, 0)

	none := inferenceslo.FromContext(ctx)
	if none != nil {
		t.Fatal("a context without a call gave one")
	}
	none.Token()
	none.Chunk(3)
	none.Score(1)
	none.Fail(inferenceslo.InvalidOutput)
	none.SetUsage(1, 2)
	none.End(nil)
	var zero inferenceslo.Call
	zero.Token()
	zero.End(nil)
	var nilInst *inferenceslo.Instrument
	fromNil := nilInst.Start(ctx, "m")
	fromNil.Token()
	fromNil.End(nil)
	nilInst.RecordScore("m", 1)

	// After End, a call records nothing more.
	call.Token()
	call.End(nil)
	r.counts(t, "avail", 1, 0, 0)
}
