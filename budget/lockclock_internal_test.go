package budget

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// lockWatch is a clock that checks, at every reading, that the tracker holds
// none of its series' or corrections' locks: a user's clock may block, or
// call back into the tracker, and must never do so under a lock. The test
// runs in one goroutine, so a lock TryLock cannot take is held by the very
// call that reads the clock.
type lockWatch struct {
	t       *testing.T
	tr      *Tracker
	now     time.Time
	readsAt []string // the step of each violation
	step    string
	reads   int
}

func (w *lockWatch) clock() time.Time {
	w.reads++
	if tr := w.tr; tr != nil {
		held := !tr.corrMu.TryLock()
		if !held {
			tr.corrMu.Unlock()
		}
		for _, slo := range tr.slos {
			if !slo.groups.mu.TryLock() {
				held = true
				continue
			}
			series := append([]*Series(nil), slo.order...)
			slo.groups.mu.Unlock()
			for _, s := range series {
				if !s.mu.TryLock() {
					held = true
					continue
				}
				s.mu.Unlock()
			}
		}
		if held {
			w.readsAt = append(w.readsAt, w.step)
		}
	}
	return w.now
}

// TestClockNeverReadUnderLock drives every path that reads the tracker's
// clock: recording in the current bucket, into a new one, late and too far
// ahead; every status and burn-down reader; corrections; lifetime totals.
func TestClockNeverReadUnderLock(t *testing.T) {
	w := &lockWatch{t: t, now: time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)}
	tr, err := New([]sli.Objective{
		{Name: "avail", Target: 0.99},
		{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: time.Second, GroupBy: "model"},
	}, WithClock(w.clock))
	if err != nil {
		t.Fatal(err)
	}
	w.tr = tr
	set := Set{tr.SLO("avail").Series(""), tr.SLO("lat").Series("m")}
	ev := func(at time.Time) sli.Event {
		return sli.Event{Time: at, Duration: time.Millisecond, Outcome: sli.Good}
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"record", func() { set.Record(ev(w.now)) }},
		{"record into a new bucket", func() { w.now = w.now.Add(time.Minute); set.Record(ev(w.now)) }},
		{"record late", func() { set.Record(ev(w.now.Add(-30 * time.Second))) }},
		{"record too far ahead", func() { set.Record(ev(w.now.Add(time.Hour))) }},
		{"record too far back", func() { set.Record(ev(w.now.Add(-100 * 24 * time.Hour))) }},
		{"Status", func() { tr.Status() }},
		{"StatusAt ahead", func() { tr.StatusAt(w.now.Add(time.Hour)) }},
		{"StatusAt with burn-downs", func() { tr.StatusAt(w.now, WithBurnDown(10)) }},
		{"Gate", func() { tr.Gate() }},
		{"AddCorrection", func() {
			if err := tr.AddCorrection(Correction{ID: "c", Reason: "r", Start: w.now.Add(-time.Hour), End: w.now.Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}},
		{"RemoveCorrection", func() {
			if err := tr.RemoveCorrection("c"); err != nil {
				t.Fatal(err)
			}
		}},
		{"Lifetime", func() { set[0].Lifetime() }},
		// Item 2's confirming second reading (recheckClockLocked) unlocks first.
		{"record after a step back", func() { w.now = w.now.Add(-2 * time.Hour); set.Record(ev(w.now)) }},
		{"Status after a step back", func() { tr.Status(); w.now = w.now.Add(-2 * time.Hour); tr.Status() }},
	}
	for _, s := range steps {
		w.step = s.name
		before := w.reads
		s.do()
		t.Logf("%s: %d clock readings", s.name, w.reads-before)
	}
	if len(w.readsAt) > 0 {
		t.Errorf("the clock was read under a lock in: %q", w.readsAt)
	}
}
