package budgettest_test

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

type tally struct {
	good, bad int64
	last      time.Time
	clk       *budgettest.Clock
	t         *testing.T
}

func (r *tally) Record(e sli.Event) {
	if !e.Time.Equal(r.clk.Now()) {
		r.t.Fatalf("event at %v while the clock reads %v", e.Time, r.clk.Now())
	}
	if !e.Time.After(r.last) {
		r.t.Fatalf("event at %v does not follow %v", e.Time, r.last)
	}
	r.last = e.Time
	if e.Outcome == sli.Bad {
		r.bad++
	} else {
		r.good++
	}
}

func TestTrafficIsSteadyAndExact(t *testing.T) {
	clk := budgettest.NewClock(t0)
	rec := &tally{clk: clk, t: t, last: t0}
	good, bad := budgettest.Traffic{Rate: 4, ErrorRatio: 0.01}.Run(clk, rec, time.Hour)
	if good != 14256 || bad != 144 || rec.good != good || rec.bad != bad {
		t.Fatalf("sent %d good %d bad, recorded %d/%d; want 14256 and 144", good, bad, rec.good, rec.bad)
	}
	if !clk.Now().Equal(t0.Add(time.Hour)) {
		t.Fatalf("clock at %v, want an hour on", clk.Now())
	}
}

// Batched recording into a Series gives every window the same counts as
// recording one by one.
func TestBatchesCountLikeSingles(t *testing.T) {
	run := func(batch bool) []budget.WindowBurn {
		clk := budgettest.NewClock(t0)
		tr, _ := budget.New([]sli.Objective{{Name: "api", Target: 0.999}}, budget.WithClock(clk.Now))
		s, _ := tr.Series("api", "")
		var rec sli.Recorder = s
		if !batch {
			rec = sli.RecorderFunc(s.Record) // hides RecordN
		}
		budgettest.Traffic{Rate: 3}.Run(clk, rec, 7*time.Hour)
		budgettest.Traffic{Rate: 3, ErrorRatio: 0.02}.Run(clk, rec, 50*time.Minute)
		return tr.Status()[0].BurnRates
	}
	one, many := run(false), run(true)
	for i := range one {
		if one[i].Good != many[i].Good || one[i].Bad != many[i].Bad {
			t.Errorf("%s: %d/%d one by one, %d/%d batched", one[i].Window, one[i].Good, one[i].Bad, many[i].Good, many[i].Bad)
		}
	}
}

func TestClockSetAndAdvance(t *testing.T) {
	clk := budgettest.NewClock(t0)
	if got := clk.Advance(90 * time.Second); !got.Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("Advance returned %v", got)
	}
	clk.Set(t0.Add(-time.Hour)) // a wall-clock jump back
	if !clk.Now().Equal(t0.Add(-time.Hour)) {
		t.Fatalf("Set: clock reads %v", clk.Now())
	}
}
