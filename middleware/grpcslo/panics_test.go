package grpcslo_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/middleware/grpcslo"
	"github.com/errbudget/errbudget/sli"
)

// A classifier that panics never escapes recording (grpc-go would crash
// the server from its stats handler): the RPC is excluded, and the panic is
// counted in the tracker's UserPanics.
func TestPanickingClassifierIsContained(t *testing.T) {
	clk := budgettest.NewClock(t0.Add(time.Second))
	tr, err := budget.New([]sli.Objective{{Name: "avail", Target: 0.99}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	h, err := grpcslo.New(tr, grpcslo.WithClassifier(func(c grpcslo.Call) sli.Outcome {
		if c.Code == codes.Internal {
			panic("classifier bug")
		}
		return grpcslo.Classify(c)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Register(testServices); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("the classifier's panic escaped HandleRPC: %v", v)
			}
		}()
		call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, nil)
		call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, status.Error(codes.Internal, "boom"))
	}()
	st := tr.Status()[0]
	if st.Good != 1 || st.Bad != 0 || st.LifetimeExcluded != 1 {
		t.Errorf("good/bad/excluded %d/%d/%d, want 1/0/1", st.Good, st.Bad, st.LifetimeExcluded)
	}
	if got := wiring.UserPanics(tr); got != 1 {
		t.Errorf("UserPanics = %d, want 1", got)
	}
}
