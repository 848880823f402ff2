package inferenceslo_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

var errBoom = fmt.Errorf("read: %w", errors.Join(errors.New("boom"), io.EOF))

// TestCallAllocatesNothing: a streaming call of a known model, from Start to
// End, with the GenAI metrics on an SDK meter provider, allocates nothing;
// nor does a call that fails, or one marked from deeper code.
func TestCallAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	objs := append(objectives(), sli.Objective{Name: "quality", Kind: sli.Quality, Target: 0.9, MinScore: 0.5, GroupBy: sli.GroupByModel})
	for _, opts := range [][]inferenceslo.Option{nil, {inferenceslo.WithChunkTiming()}} {
		r := newRig(t, objs, opts...)
		ctx := context.Background()
		warm := r.inst.Start(ctx, "gpt-x")
		warm.End(nil)
		for name, f := range map[string]func(){
			"stream": func() {
				call := r.inst.Start(ctx, "gpt-x")
				r.clk.Advance(time.Millisecond)
				for range 100 {
					call.Token()
				}
				call.SetUsage(12, 100)
				call.Score(0.9)
				call.End(nil)
			},
			"marked invalid": func() {
				call := r.inst.Start(ctx, "gpt-x")
				call.Chunk(0)
				call.Fail(inferenceslo.InvalidOutput)
				call.End(nil)
			},
			"failed": func() {
				call := r.inst.StartRequest(ctx, inferenceslo.Request{Model: "gpt-x", Stream: true})
				call.End(inferenceslo.ErrContentFiltered)
			},
			"unknown error mid-stream": func() {
				call := r.inst.Start(ctx, "gpt-x")
				call.Token()
				call.End(errBoom)
			},
			"score apart": func() { r.inst.RecordScore("gpt-x", 0.4) },
		} {
			if n := testing.AllocsPerRun(200, f); n != 0 {
				t.Errorf("%s (%d options): %v allocations per call, want 0", name, len(opts), n)
			}
		}
	}
}
