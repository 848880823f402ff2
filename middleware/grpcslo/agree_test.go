package grpcslo_test

import (
	"testing"

	"github.com/errbudget/errbudget/middleware/grpcslo"
)

// TestNewNilTrackerPanics: a nil tracker is a wiring bug, and every
// adapter's New panics on it, as endpoint.New and http.Handle do (issue 11,
// "adapters agree"; it used to be an error here).
func TestNewNilTrackerPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	grpcslo.New(nil)
}
