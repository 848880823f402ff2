package grpcslo_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/middleware/grpcslo"
	"github.com/errbudget/errbudget/sli"
)

// chain is what grpc-go does with several grpc.StatsHandler options: each
// TagRPC wraps the context the previous one returned, and every HandleRPC
// gets the final context.
type chain []stats.Handler

func (c chain) TagRPC(ctx context.Context, i *stats.RPCTagInfo) context.Context {
	for _, h := range c {
		ctx = h.TagRPC(ctx, i)
	}
	return ctx
}
func (c chain) HandleRPC(ctx context.Context, s stats.RPCStats) {
	for _, h := range c {
		h.HandleRPC(ctx, s)
	}
}
func (c chain) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (c chain) HandleConn(context.Context, stats.ConnStats)                       {}

// TestRegressionTwoHandlers: two ServerHandlers on one server (two trackers)
// each count every RPC once, in their own tracker.
func TestRegressionTwoHandlers(t *testing.T) {
	clk := budgettest.NewClock(t0.Add(time.Second))
	p1, p2 := &probe{}, &probe{}
	tr1, _ := budget.New([]sli.Objective{p1.objective("one")}, budget.WithClock(clk.Now))
	tr2, _ := budget.New([]sli.Objective{p2.objective("two")}, budget.WithClock(clk.Now))
	h1, _ := grpcslo.New(tr1)
	h2, _ := grpcslo.New(tr2)
	h1.Register(testServices)
	h2.Register(testServices)
	c := chain{h1, h2}
	call(c, "/chat.Chat/Ask", t0, 0, 10*time.Millisecond, nil)
	call(c, "/nope.Nope/X", t0, 0, 10*time.Millisecond, status.Error(codes.Internal, "x"))
	if n1, n2 := len(p1.all()), len(p2.all()); n1 != 2 || n2 != 2 {
		t.Errorf("events: %d in the first tracker, %d in the second; want 2 and 2", n1, n2)
	}
}
