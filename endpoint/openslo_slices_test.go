package endpoint_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
)

// GET /openslo carries a time-slice objective's method, slice target, width
// and empty-slice rule, and reads back into the tracker's objectives.
func TestOpenSLOTimeslices(t *testing.T) {
	objs := []sli.Objective{
		{Name: "events", Target: 0.999},
		{Name: "good-minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95},
		{Name: "ratio-slices", Kind: sli.Latency, Threshold: time.Second, Target: 0.99, Window: sli.CalendarMonth("Europe/Berlin"),
			Budgeting: sli.RatioTimeslices, SliceWidth: 5 * time.Minute, EmptySlices: sli.EmptySkipped},
	}
	tr, err := budget.New(objs, budget.WithService("checkout"), budget.WithClock(budgettest.NewClock(t0).Now))
	if err != nil {
		t.Fatal(err)
	}
	res, body := get(t, endpoint.New(tr), http.MethodGet, "/openslo")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /openslo: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{
		"  budgetingMethod: Timeslices\n  objectives:\n    - target: 0.999\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n",
		"  budgetingMethod: RatioTimeslices\n  objectives:\n    - target: 0.99\n      timeSliceWindow: 5m\n",
		"emptySlices: good\n", "emptySlices: skipped\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /openslo lacks %q:\n%s", want, body)
		}
	}
	d, err := openslo.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range d.Objectives {
		w := objs[i]
		if w.Window == (sli.Window{}) {
			w.Window = sli.Rolling(sli.DefaultWindow) // a file always says
		}
		if w.Budgeting.IsTimeslices() && w.SliceWidth == 0 {
			w.SliceWidth = sli.DefaultSliceWidth // likewise
		}
		if !reflect.DeepEqual(o, w) {
			t.Errorf("objective %d: read back %+v, want %+v", i, o, w)
		}
	}
}
