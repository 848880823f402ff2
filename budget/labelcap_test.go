package budget_test

import (
	"strings"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// A group value longer than sli.MaxGroupLen comes from outside (a raw path,
// a model name a request made up) and counts in the overflow group, however
// it reached the tracker; one at the cap keeps its own group.
func TestLongGroupValueOverflows(t *testing.T) {
	tr, err := budget.New([]sli.Objective{{Name: "m", Target: 0.99, GroupBy: "model"}})
	if err != nil {
		t.Fatal(err)
	}
	atCap := strings.Repeat("a", 256)
	if g := tr.SLO("m").Series(atCap).Group(); g != atCap {
		t.Errorf("a %d-byte value: group of %d bytes, want its own", len(atCap), len(g))
	}
	for _, n := range []int{257, 1 << 20} {
		long := strings.Repeat("b", n)
		if g := tr.SLO("m").Series(long).Group(); g != sli.OverflowGroup {
			t.Errorf("a %d-byte value: group of %d bytes, want %q", n, len(g), sli.OverflowGroup)
		}
		s, err := tr.Series("m", long)
		if err != nil || s.Group() != sli.OverflowGroup {
			t.Errorf("Tracker.Series with a %d-byte value: group of %d bytes (%v), want %q", n, len(s.Group()), err, sli.OverflowGroup)
		}
	}
	for _, st := range tr.Status() {
		if len(st.Group) > 256 {
			t.Errorf("status group of %d bytes", len(st.Group))
		}
	}
}
