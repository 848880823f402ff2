package budget

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// TestRecordWithCorrectionsAllocatesNothing: with corrections declared,
// one-off and recurring, recording still allocates nothing, also for events
// beyond the horizon the recurring occurrences were listed for.
func TestRecordWithCorrectionsAllocatesNothing(t *testing.T) {
	if raceBuild {
		t.Skip("the race detector allocates")
	}
	now := snapT0
	tr, err := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	tr.AddCorrection(Correction{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Reason: "one-off"})
	tr.AddCorrection(Correction{Start: now.Add(-time.Hour), End: now, Reason: "weekly", Recurrence: "FREQ=WEEKLY;BYDAY=SU,WE", TimeZone: "Europe/Berlin"})
	s, _ := tr.Series("api", "")
	set := tr.corrections.Load()
	for name, at := range map[string]time.Time{
		"within the horizon": now,
		"beyond the horizon": time.Unix(0, set.until).Add(3 * 24 * time.Hour),
	} {
		e := sli.Event{Time: at, Outcome: sli.Good}
		s.Record(e)
		if n := testing.AllocsPerRun(1000, func() { s.Record(e) }); n != 0 {
			t.Errorf("%s: %v allocations per Record", name, n)
		}
		if n := testing.AllocsPerRun(1000, func() { set.covers("api", at.UnixNano()) }); n != 0 {
			t.Errorf("%s: %v allocations per covers", name, n)
		}
	}
}

// BenchmarkCorrectionCovers measures the recording path's check against a
// weekly correction and a one-off, within the listed horizon and beyond it.
func BenchmarkCorrectionCovers(b *testing.B) {
	now := snapT0
	tr, _ := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }))
	tr.AddCorrection(Correction{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Reason: "one-off"})
	tr.AddCorrection(Correction{Start: now.Add(-time.Hour), End: now, Reason: "weekly", Recurrence: "FREQ=WEEKLY;BYDAY=SU", TimeZone: "Europe/Berlin"})
	set := tr.corrections.Load()
	for name, at := range map[string]int64{
		"horizon": now.UnixNano(),
		"beyond":  set.until + int64(3*24*time.Hour),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				set.covers("api", at)
			}
		})
	}
}

// TestRecurringHorizonFollowsRecording: a tracker that only records (nobody
// asks for its status) still moves the horizon its recurring occurrences are
// listed for, so events never fall back to the slow check for long.
func TestRecurringHorizonFollowsRecording(t *testing.T) {
	now := snapT0
	tr, _ := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }))
	tr.AddCorrection(Correction{Start: now.Add(-time.Hour), End: now, Reason: "weekly", Recurrence: "FREQ=WEEKLY"})
	s, _ := tr.Series("api", "")
	first := tr.corrections.Load().until
	for d := range 60 {
		now = snapT0.Add(time.Duration(d) * 24 * time.Hour)
		s.Record(sli.Event{Time: now, Outcome: sli.Good})
		if set := tr.corrections.Load(); now.UnixNano() > set.until-int64(horizonSlack) {
			t.Fatalf("day %d: the horizon ends %v, too close", d, time.Unix(0, set.until).UTC())
		}
	}
	if tr.corrections.Load().until == first {
		t.Error("the horizon never moved")
	}
}
