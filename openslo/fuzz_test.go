package openslo_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/openslo"
)

// FuzzUnmarshal: the decoder never panics, and what it accepts runs
// (budget.New takes it) and writes back to a file that decodes to the same
// declarations.
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(valid))
	for _, fm := range []openslo.Format{openslo.YAML, openslo.JSON} {
		for _, d := range []openslo.Declarations{declarations(), sliceDeclarations()} {
			b, _, err := openslo.Marshal(d, fm)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range []string{
		strings.Replace(valid, "target: 0.99", "target: 1.2", 1),
		strings.Replace(valid, "  objectives:\n", "  objectives: [\n", 1),
		"- &a {kind: SLO}\n- *a\n",
		// Read, then could not be written or read back the same (review).
		strings.Replace(valid, "short-window: 5m", "short-window: 90s", 1),
		strings.Replace(valid, "service: shop", `service: " "`, 1),
		strings.Replace(valid, "  service: shop\n", "  description: "+strings.Repeat("x", 1051)+"\n  service: shop\n", 1),
		"[]", "{}", "---\n---\n", "null",
		// Time slices (issue 17): both methods, a width as a number of
		// minutes, the empty-slice rule, and what is refused.
		strings.Replace(valid, "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", "budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n", 1),
		strings.Replace(valid, "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", "budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceWindow: 5\n", 1),
		strings.NewReplacer("budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", "budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 1\n      timeSliceWindow: 5m\n",
			"threshold: 300ms\n", "threshold: 300ms\n              emptySlices: skipped\n").Replace(valid),
		strings.Replace(valid, "budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n", "budgetingMethod: Timeslices\n  objectives:\n    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 2m\n", 1),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := openslo.Unmarshal(data)
		if err != nil {
			if _, ok := err.(*openslo.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if _, err := budget.New(d.Objectives, d.Options()...); err != nil {
			t.Fatalf("accepted, but budget.New says: %v\n%s", err, data)
		}
		b, _, err := openslo.Marshal(d, openslo.YAML)
		if err != nil {
			t.Fatalf("accepted, but cannot be written: %v\n%s", err, data)
		}
		again, err := openslo.Unmarshal(b)
		if err != nil {
			t.Fatalf("written back, not read: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("written back and read, differs:\n got %+v\nwant %+v", again, d)
		}
	})
}
