package inferenceslo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
)

// An error classifier that panics never escapes End: the error is left to
// ClassifyError, as when the classifier reports false, and the panic is
// counted in the tracker's UserPanics.
func TestPanickingErrorClassifierIsContained(t *testing.T) {
	r := newRig(t, objectives(), inferenceslo.WithErrorClassifier(func(error) (inferenceslo.ErrorType, bool) {
		panic("classifier bug")
	}))
	call := r.inst.Start(context.Background(), "gpt-x")
	r.clk.Advance(10 * time.Millisecond)
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("the classifier's panic escaped End: %v", v)
			}
		}()
		call.End(errors.New("connection refused"))
	}()
	r.counts(t, "avail", 0, 1, 0)
	if got := r.errorTypes(t); got["_OTHER"] != 1 {
		t.Errorf("error types %v, want one _OTHER (ClassifyError's verdict)", got)
	}
	if got := wiring.UserPanics(r.tr); got != 1 {
		t.Errorf("UserPanics = %d, want 1", got)
	}
}
