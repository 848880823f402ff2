package bench

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// BenchmarkObjectiveMemory reports the memory one objective keeps, as
// B/objective: the growth of the live heap (after a GC) from creating 100
// latency objectives with 30-day rolling windows and recording an hour of
// traffic into each, divided by 100. Target: ≤ 256 KiB. The rings are
// allocated whole when a series is created, so traffic must not change the
// figure; recording shows that it does not.
func BenchmarkObjectiveMemory(b *testing.B) {
	const objectives = 100
	objs := make([]sli.Objective, objectives)
	for i := range objs {
		objs[i] = sli.Objective{
			Name: fmt.Sprintf("latency-%03d", i), Kind: sli.Latency, Target: 0.99,
			Threshold: 2 * time.Second, Window: sli.Rolling(30 * 24 * time.Hour),
		}
	}
	end := benchStart.Add(time.Hour)
	clock := func() time.Time { return end }
	b.ReportAllocs()
	var perObjective float64
	for range b.N {
		before := liveHeap()
		tr, err := budget.New(objs, budget.WithClock(clock))
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range objs {
			s, _ := tr.Series(o.Name, "")
			// One run of calls a minute for an hour: a new fine bucket and
			// latency slot each time, so every ring is written.
			for m := time.Duration(1); m <= 60; m++ {
				s.RecordN(sli.Event{Time: benchStart.Add(m * time.Minute), Duration: latencies[int(m)*97&latencyMask], Outcome: sli.Good}, 100)
			}
		}
		after := liveHeap()
		runtime.KeepAlive(tr)
		perObjective = float64(int64(after)-int64(before)) / objectives
	}
	b.ReportMetric(perObjective, "B/objective")
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
