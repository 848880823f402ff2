package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// Per change, the budget spent while it was the latest, exactly: a version
// starts (clean hour), a flag goes on (30 minutes at 10% errors), a flag
// goes off 3 s into a bucket (that bucket, whose events came before it,
// counts for it whole, as documented), then 30 clean minutes.
func TestChangeBudgetWhileLatest(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithVersion("v1"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	bucket := 10 * time.Second
	// fill records good and bad events in every 10-second bucket of
	// [from, from+d), 5 s into each.
	fill := func(from time.Time, d time.Duration, good, bad int64) {
		for at := from; at.Before(from.Add(d)); at = at.Add(bucket) {
			clk.Set(at.Add(5 * time.Second))
			s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, good)
			s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, bad)
		}
	}
	fill(t0, time.Hour, 100, 0)
	on, off := t0.Add(time.Hour), t0.Add(90*time.Minute+3*time.Second)
	if err := tr.MarkChangeAt(on, "flag checkout-v2 on"); err != nil {
		t.Fatal(err)
	}
	fill(on, 30*time.Minute, 90, 10)
	if err := tr.MarkChangeAt(off, "flag checkout-v2 off"); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(90*time.Minute + time.Second)) // before the change, in its bucket
	s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 90)
	s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 10)
	fill(t0.Add(90*time.Minute+bucket), 30*time.Minute-bucket, 100, 0)
	clk.Set(t0.Add(2 * time.Hour))

	chs := tr.Changes()
	want := []struct {
		desc      string
		until     time.Time
		good, bad int64
	}{
		{"first start of v1", on, 36000, 0},
		{"flag checkout-v2 on", off, 16200, 1800},
		{"flag checkout-v2 off", time.Time{}, 90 + 179*100, 10},
	}
	if len(chs) != len(want) {
		t.Fatalf("%d changes, want %d: %+v", len(chs), len(want), chs)
	}
	const period = 72000 // every event: the period (30 days) holds them all
	var bad int64
	for i, w := range want {
		c := chs[i]
		if c.Description != w.desc || !c.Until.Equal(w.until) || len(c.Budget) != 1 {
			t.Fatalf("change %d: %q until %v, budget %+v; want %q until %v", i, c.Description, c.Until, c.Budget, w.desc, w.until)
		}
		b := c.Budget[0]
		if b.Objective != "api" || b.Good != w.good || b.Bad != w.bad || b.PeriodEvents != period || b.NotHeld {
			t.Errorf("change %d (%s): %+v, want %d good, %d bad of %d", i, w.desc, b, w.good, w.bad, period)
		}
		// Bad ÷ ((1 − target) × period events), the incidents' formula.
		if want := budget.BurnRate(period-w.bad, w.bad, 0.999); b.Consumed != want {
			t.Errorf("change %d: consumed %v, want %v", i, b.Consumed, want)
		}
		bad += b.Bad
	}
	if c := chs[1].Budget[0].Consumed; math.Abs(c.Value-25) > 1e-9 { // 1800 ÷ (0.001 × 72000)
		t.Errorf("the flag spent %v of the budget, want 25 (2500%%)", c)
	}
	if st := tr.Status()[0]; st.Bad != bad {
		t.Errorf("the changes' bad events add up to %d, the period holds %d", bad, st.Bad)
	}
}

// A change marked inside the bucket of the onset, seconds before the first
// failure, is a candidate trigger: the onset is the start of that bucket,
// before the change, and the changes of the onset's bucket were left out.
func TestRegressionChangeInsideTheOnsetBucketIsACandidate(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithVersion("v1"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 24*time.Hour) // ends on a bucket's edge
	tr.Status()
	clk.Advance(3 * time.Second)
	if err := tr.MarkChange("model v2 behind the same binary"); err != nil {
		t.Fatal(err)
	}
	for range 6 * 10 { // 10 minutes of errors, evaluated every 10 s
		budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 10*time.Second)
		tr.Status()
	}
	ins := tr.Incidents()
	if len(ins) != 1 {
		t.Fatalf("%d incidents", len(ins))
	}
	if want := t0.Add(24 * time.Hour); !ins[0].Onset.Equal(want) {
		t.Fatalf("onset %v, want %v (the bucket's start, before the change)", ins[0].Onset, want)
	}
	if c := ins[0].Candidates; len(c) != 1 || c[0].Description != "model v2 behind the same binary" {
		t.Errorf("candidates %+v, want the change 3 s into the onset's bucket", c)
	}
}
