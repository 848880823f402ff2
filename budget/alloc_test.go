package budget

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// Recording allocates nothing: on the fast path, at a bucket rotation, for a
// late event, with a correction declared, through a Set and for a known
// group. (Skipped under the race detector, whose instrumentation allocates.)
func TestRecordAllocatesNothing(t *testing.T) {
	if raceBuild {
		t.Skip("allocation counts are not meaningful under -race")
	}
	clockAt := stripeT0.Add(24 * time.Hour)
	tr, err := New([]sli.Objective{
		{Name: "availability", Target: 0.999},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second},
		{Name: "by-model", Kind: sli.Latency, Target: 0.99, Threshold: time.Second, GroupBy: "model"},
		{Name: "filtered", Target: 0.99, Include: func(e sli.Event) bool { return !e.Streaming }},
	}, WithClock(func() time.Time { return clockAt }))
	if err != nil {
		t.Fatal(err)
	}
	avail, _ := tr.Series("availability", "")
	lat, _ := tr.Series("latency", "")
	filtered, _ := tr.Series("filtered", "")
	byModel := tr.SLO("by-model")
	byModel.Series("small") // created at wiring time
	set := Set{avail, lat, filtered}

	at := stripeT0.Add(time.Hour)
	e := sli.Event{Time: at, Duration: 300 * time.Millisecond, Outcome: sli.Good}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Series.Record", func() { lat.Record(e) }},
		{"Series.RecordN", func() { avail.RecordN(e, 10) }},
		{"Set.Record", func() { set.Record(e) }},
		{"known group", func() { byModel.Series("small").Record(e) }},
		{"rotation", func() {
			// Every call opens a new 10-second bucket: the slow path
			// flushes the stripes into the ring.
			at = at.Add(10 * time.Second)
			set.Record(sli.Event{Time: at, Duration: time.Second, Outcome: sli.Bad})
		}},
		{"late event", func() {
			set.Record(sli.Event{Time: stripeT0, Duration: time.Second, Outcome: sli.Good})
		}},
	} {
		if n := testing.AllocsPerRun(1000, c.f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, n)
		}
	}

	// A declared correction puts a set of spans on the recording path.
	if err := tr.AddCorrection(Correction{Start: stripeT0, End: stripeT0.Add(time.Minute), Reason: "maintenance"}); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { set.Record(e) }); n != 0 {
		t.Errorf("Set.Record with a correction declared: %v allocations per call, want 0", n)
	}
}
