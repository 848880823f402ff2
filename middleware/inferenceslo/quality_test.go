package inferenceslo_test

import (
	"context"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// TestQualityDegradationPages: a month of answers scored above the floor,
// then an hour in which a fifth score below it (a burn of 20, above the
// page threshold of 14.4): the page-1h alert fires, and the budget shows it.
func TestQualityDegradationPages(t *testing.T) {
	objs := []sli.Objective{
		{Name: "avail", Target: 0.99},
		{Name: "quality", Kind: sli.Quality, Target: 0.99, MinScore: 0.7, GroupBy: sli.GroupByModel},
	}
	r := newRig(t, objs)
	ctx := context.Background()
	// Each scripted event is one call through the instrument, scored by an
	// evaluator: 0.9 when good, 0.4 (below the floor) when bad.
	calls := sli.RecorderFunc(func(e sli.Event) {
		call := r.inst.Start(ctx, "m1")
		call.Token()
		call.Token()
		call.Score(e.Score)
		call.End(nil)
	})
	score := func(bad bool) sli.Event {
		if bad {
			return sli.Event{Score: 0.4}
		}
		return sli.Event{Score: 0.9}
	}

	// Clean history: 30 days at one call every five minutes.
	budgettest.Traffic{Rate: 1.0 / 300, Event: score}.Run(r.clk, calls, 30*24*time.Hour)
	st := r.status(t, "quality", "m1")
	if len(st.Firing()) != 0 || st.Bad != 0 || st.Good != 8640 {
		t.Fatalf("clean history: good %d bad %d firing %v", st.Good, st.Bad, st.Firing())
	}

	// The model degrades: one call a second, a fifth of them below the floor.
	good, bad := budgettest.Traffic{Rate: 1, ErrorRatio: 0.2, Event: score}.Run(r.clk, calls, time.Hour)
	if good != 2880 || bad != 720 {
		t.Fatalf("sent %d good and %d bad", good, bad)
	}
	st = r.status(t, "quality", "m1")
	var page bool
	for _, a := range st.Firing() {
		if a.Rule.Name == "page-1h" {
			page = true
		}
	}
	if !page {
		t.Errorf("page-1h does not fire; alerts %+v", st.Alerts)
	}
	if b := st.BurnRateOf("1h"); !b.Valid || b.Value < 19 || b.Value > 20 {
		t.Errorf("1h burn %v, want about 20", b)
	}
	if st.Bad != 720 {
		t.Errorf("quality bad = %d, want 720", st.Bad)
	}
	// Availability saw nothing wrong: every call succeeded.
	if a := r.status(t, "avail", ""); a.Bad != 0 || a.Good < 3600 {
		t.Errorf("availability good %d bad %d", a.Good, a.Bad)
	}
}

// TestRecordScore: a score that arrives apart from any call counts for
// quality objectives only.
func TestRecordScore(t *testing.T) {
	objs := append(objectives(), sli.Objective{Name: "quality", Kind: sli.Quality, Target: 0.9, MinScore: 0.5})
	r := newRig(t, objs)
	r.inst.RecordScore("m1", 0.2)
	r.inst.RecordScore("m1", 0.5)
	r.counts(t, "quality", 1, 1, 0)
	r.counts(t, "avail", 0, 0, 0)
	r.counts(t, "latency", 0, 0, 0)
}
