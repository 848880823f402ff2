package budgetotel_test

import (
	"testing"

	"github.com/errbudget/errbudget/budgetotel"
)

// TestNewNilTrackerPanics: a nil tracker is a wiring bug, and New panics on
// it, as every adapter's New and endpoint.New do (issue 11, "adapters
// agree"; it used to be an error here).
func TestNewNilTrackerPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	budgetotel.New(nil)
}
