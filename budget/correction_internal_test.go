package budget

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// TestRecordWithCorrectionsAllocatesNothing: with corrections declared,
// one-off and recurring, recording still allocates nothing, also for events
// outside the span the edge lists hold.
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
	c := s.slo.corr.Load()
	for name, at := range map[string]time.Time{
		"within the listed span": now,
		"before it":              now.Add(-3 * 24 * time.Hour),
	} {
		e := sli.Event{Time: at, Outcome: sli.Good}
		s.Record(e)
		if n := testing.AllocsPerRun(1000, func() { s.Record(e) }); n != 0 {
			t.Errorf("%s: %v allocations per Record", name, n)
		}
		if n := testing.AllocsPerRun(1000, func() { c.covers(at.UnixNano()) }); n != 0 {
			t.Errorf("%s: %v allocations per covers", name, n)
		}
	}
}

// TestCorrectionEdgesMatchDeclarations: the edge lists, their hint and the
// check outside the span they hold agree with the declarations, instant by
// instant, for random one-off and recurring corrections (some for another
// objective), with corrections added and removed, and lookups in random
// order and in time order.
func TestCorrectionEdgesMatchDeclarations(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	now := snapT0
	tr, err := New([]sli.Objective{{Name: "api", Target: 0.999}, {Name: "other", Target: 0.99}}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	rules := []string{"FREQ=DAILY", "FREQ=WEEKLY", "FREQ=DAILY;BYHOUR=0,3,6,9,12,15,18,21", "FREQ=DAILY;BYMINUTE=0,10,20,30,40,50;BYHOUR=" + hours()}
	var ids []string
	for i := range 60 {
		start := now.Add(time.Duration(rng.Int64N(int64(20*time.Hour))) - 12*time.Hour).Truncate(time.Second)
		c := Correction{Start: start, End: start.Add(time.Duration(1+rng.Int64N(int64(90*time.Minute))) * 1).Truncate(time.Second).Add(time.Second), Reason: fmt.Sprint("r", i)}
		if rng.IntN(3) == 0 {
			c.Recurrence = rules[rng.IntN(len(rules))]
			c.End = c.Start.Add(time.Duration(1+rng.IntN(9)) * time.Minute)
		}
		if rng.IntN(4) == 0 {
			c.Objective = "other"
		}
		c.ID = fmt.Sprint("x", i)
		if err := tr.AddCorrection(c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		if rng.IntN(5) == 0 {
			k := rng.IntN(len(ids))
			if err := tr.RemoveCorrection(ids[k]); err != nil {
				t.Fatal(err)
			}
			ids = append(ids[:k], ids[k+1:]...)
		}
	}
	want := func(objective string, ns int64) bool {
		for _, x := range tr.compiledLocked() {
			if x.Objective != "" && x.Objective != objective {
				continue
			}
			if x.rec != nil && x.rec.Covers(ns) || x.rec == nil && x.Start.UnixNano() <= ns && ns < x.End.UnixNano() {
				return true
			}
		}
		return false
	}
	for _, slo := range tr.slos {
		c := slo.corr.Load()
		check := func(ns int64) {
			t.Helper()
			if got, w := c.covers(ns), want(slo.decl.Name, ns); got != w {
				t.Fatalf("%s at %v: covers = %v, want %v", slo.decl.Name, time.Unix(0, ns).UTC(), got, w)
			}
		}
		for range 20_000 { // random order: searches
			check(now.Add(time.Duration(rng.Int64N(int64(12*time.Hour))) - 9*time.Hour).UnixNano())
		}
		for ns := now.Add(-10 * time.Hour).UnixNano(); ns < now.Add(3*time.Hour).UnixNano(); ns += int64(7 * time.Second) {
			check(ns) // time order: hints and neighbours, and both ends of the span
		}
	}
}

func hours() string {
	s := "0"
	for h := 1; h < 24; h++ {
		s += fmt.Sprint(",", h)
	}
	return s
}

// BenchmarkCorrectionCovers measures the recording path's check against a
// weekly correction and a one-off, within the listed span and before it.
func BenchmarkCorrectionCovers(b *testing.B) {
	now := snapT0
	tr, _ := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }))
	tr.AddCorrection(Correction{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour), Reason: "one-off"})
	tr.AddCorrection(Correction{Start: now.Add(-time.Hour), End: now, Reason: "weekly", Recurrence: "FREQ=WEEKLY;BYDAY=SU", TimeZone: "Europe/Berlin"})
	c := tr.slos[0].corr.Load()
	for name, at := range map[string]int64{
		"listed": now.UnixNano(),
		"before": now.Add(-3 * 24 * time.Hour).UnixNano(),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				c.covers(at)
			}
		})
	}
}

// TestCorrectionListsFollowRecording: a tracker that only records (nobody
// asks for its status) still rebuilds the lists around its clock, so events
// at the current time never fall back to the check under the mutex for
// long.
func TestCorrectionListsFollowRecording(t *testing.T) {
	now := snapT0
	tr, _ := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }))
	tr.AddCorrection(Correction{Start: now.Add(-time.Hour), End: now, Reason: "weekly", Recurrence: "FREQ=WEEKLY"})
	s, _ := tr.Series("api", "")
	first := tr.corrections.Load().at
	for m := range 60 * 24 * 3 {
		now = snapT0.Add(time.Duration(m) * time.Minute)
		s.Record(sli.Event{Time: now, Outcome: sli.Good})
		e := tr.slos[0].corr.Load().edges
		if ns := now.UnixNano(); ns < e[0] || ns >= e[len(e)-1] {
			t.Fatalf("minute %d: the lists hold [%v, %v), not now", m, time.Unix(0, e[0]).UTC(), time.Unix(0, e[len(e)-1]).UTC())
		}
	}
	if tr.corrections.Load().at == first {
		t.Error("the lists were never rebuilt")
	}
}
