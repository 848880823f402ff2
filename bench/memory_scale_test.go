package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// The memory scale benchmarks (issue 12): memory per series after a full 30-day
// window of realistic traffic, reported as KiB/series (targets: ≤ 40 KiB
// per availability series, ≤ 56 KiB per latency series, at GOMAXPROCS 1,
// 2, 16 and 64) and MiB/service for 2 objectives × 200 routes (target:
// ≤ 20 MiB at GOMAXPROCS 64).
//
//	go test -run '^$' -bench 'SeriesMemory|ServiceMemory' -benchtime 1x -count 1

// memSeed seeds every scale benchmark's traffic; each logs it.
const memSeed = 12

// traffic drives realistic load into series until end: around 20 events a
// second per series (Poisson), 1% bad, latencies log-normal around 60 ms
// spanning the histogram's range (µs to minutes), recorded from one
// goroutine per P so that every stripe of every series is written.
//
// Counts are drawn per bucket at the resolution the rings keep them at that
// age (15 minutes beyond 76 hours, 5 minutes beyond 6.4 hours, 10 seconds
// after), so each bucket holds its own Poisson count exactly as if its
// events had been recorded one by one: the rings end in the same state, at
// a fraction of the calls. The last 65 minutes (the latency distribution's
// reach) are recorded event by event, each with its own latency.
type traffic struct {
	series []*budget.Series
	clock  *atomic.Int64 // the tracker's clock, ns
}

const eventsPerSecond = 20.0

func (tf traffic) run(b *testing.B, end time.Time, span time.Duration) {
	b.Logf("traffic seed %d", memSeed)
	start := end.Add(-span)
	phases := []struct {
		until time.Time
		step  time.Duration
		each  bool // every event recorded on its own, with its latency
	}{
		{end.Add(-76 * time.Hour), 15 * time.Minute, false},
		{end.Add(-6*time.Hour - 24*time.Minute), 5 * time.Minute, false},
		{end.Add(-65 * time.Minute), 10 * time.Second, false},
		{end, 10 * time.Second, true},
	}
	// One long-lived worker per P, stepping together: goroutines started
	// per step would leave the runtime holding more of them, on the heap.
	workers := runtime.GOMAXPROCS(0)
	steps := make([]chan func(w int), workers)
	var wg sync.WaitGroup
	for w := range workers {
		steps[w] = make(chan func(int))
		go func() {
			for f := range steps[w] {
				f(w)
				wg.Done()
			}
		}()
	}
	defer func() {
		for _, c := range steps {
			close(c)
		}
	}()
	at := start
	for _, ph := range phases {
		for ; at.Before(ph.until); at = at.Add(ph.step) {
			t := at.Add(ph.step - time.Nanosecond)
			tf.clock.Store(t.UnixNano())
			wg.Add(workers)
			for _, c := range steps {
				c <- func(w int) {
					rng := rand.New(rand.NewPCG(memSeed, uint64(at.UnixNano())^uint64(w)<<48))
					for i, s := range tf.series {
						if ph.each {
							// Every worker records its share of every series.
							lambda := eventsPerSecond * ph.step.Seconds() / float64(workers)
							for range poisson(rng, lambda) {
								e := sli.Event{Time: at.Add(time.Duration(rng.Int64N(int64(ph.step)))), Outcome: sli.Good, Duration: logNormal(rng)}
								if rng.IntN(100) == 0 {
									e.Outcome = sli.Bad
								}
								s.Record(e)
							}
							continue
						}
						if i%workers != w {
							continue
						}
						lambda := eventsPerSecond * ph.step.Seconds()
						s.RecordN(sli.Event{Time: t, Outcome: sli.Good, Duration: logNormal(rng)}, poisson(rng, lambda*0.99))
						s.RecordN(sli.Event{Time: t, Outcome: sli.Bad, Duration: logNormal(rng)}, poisson(rng, lambda*0.01))
					}
				}
			}
			wg.Wait()
		}
	}
	tf.clock.Store(end.UnixNano())
}

// poisson draws a Poisson count: Knuth's method for small means, the
// normal approximation (rounded, never negative) for large ones.
func poisson(rng *rand.Rand, lambda float64) int64 {
	if lambda > 30 {
		return max(0, int64(math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), int64(0), 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// logNormal draws a latency: median 60 ms, σ = 2 (in e-folds), so that
// values reach from tens of µs to minutes.
func logNormal(rng *rand.Rand) time.Duration {
	return time.Duration(float64(60*time.Millisecond) * math.Exp(2*rng.NormFloat64()))
}

// memTracker returns a tracker of the objectives and its clock.
func memTracker(b *testing.B, objs []sli.Objective) (*budget.Tracker, *atomic.Int64) {
	clock := new(atomic.Int64)
	tr, err := budget.New(objs, budget.WithClock(func() time.Time { return time.Unix(0, clock.Load()) }))
	if err != nil {
		b.Fatal(err)
	}
	return tr, clock
}

var memEnd = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)

// warmHeap warms the runtime up at the benchmark's GOMAXPROCS and returns
// the live heap: the runtime allocates per-P structures on the heap (its
// threads, GC workers, wait queues) as the Ps first run, which would
// otherwise count as some 30 KiB per P against the series. It drives an
// hour of traffic into a throwaway tracker first.
func warmHeap(b *testing.B, objs []sli.Objective) uint64 {
	tr, clock := memTracker(b, objs[:1])
	s, _ := tr.Series(objs[0].Name, "")
	if objs[0].GroupBy != "" {
		s, _ = tr.Series(objs[0].Name, "warm")
	}
	traffic{series: []*budget.Series{s}, clock: clock}.run(b, memEnd, time.Hour)
	return liveHeap()
}

func BenchmarkSeriesMemory(b *testing.B) {
	const n = 64 // series per measurement
	for _, kind := range []sli.Kind{sli.Availability, sli.Latency} {
		for _, procs := range []int{1, 2, 16, 64} {
			b.Run(fmt.Sprintf("%v/procs=%d", kind, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				objs := make([]sli.Objective, n)
				for i := range objs {
					objs[i] = sli.Objective{Name: fmt.Sprintf("o%02d", i), Kind: kind, Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)}
					if kind == sli.Latency {
						objs[i].Target, objs[i].Threshold = 0.99, 500*time.Millisecond
					}
				}
				var kib float64
				for range b.N {
					before := warmHeap(b, objs)
					tr, clock := memTracker(b, objs)
					tf := traffic{clock: clock}
					for _, o := range objs {
						s, _ := tr.Series(o.Name, "")
						tf.series = append(tf.series, s)
					}
					tf.run(b, memEnd, 30*24*time.Hour)
					tr.Status() // a reader folds what the stripes hold
					kib = float64(int64(liveHeap())-int64(before)) / n / 1024
					runtime.KeepAlive(tr)
				}
				b.ReportMetric(kib, "KiB/series")
			})
		}
	}
}

// BenchmarkServiceMemory: two objectives (availability, latency) grouped
// by route, 200 routes, at GOMAXPROCS 64.
func BenchmarkServiceMemory(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(64))
	const routes = 200
	objs := []sli.Objective{
		{Name: "availability", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour), GroupBy: "route", MaxGroups: routes},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 500 * time.Millisecond, Window: sli.Rolling(30 * 24 * time.Hour), GroupBy: "route", MaxGroups: routes},
	}
	var mib float64
	for range b.N {
		before := warmHeap(b, objs)
		tr, clock := memTracker(b, objs)
		tf := traffic{clock: clock}
		for _, o := range objs {
			for r := range routes {
				s, _ := tr.Series(o.Name, fmt.Sprintf("/api/v1/route%03d", r))
				tf.series = append(tf.series, s)
			}
		}
		tf.run(b, memEnd, 30*24*time.Hour)
		tr.Status()
		mib = float64(int64(liveHeap())-int64(before)) / (1 << 20)
		runtime.KeepAlive(tr)
	}
	b.ReportMetric(mib, "MiB/service")
}

// BenchmarkFirstRecordOfBucket: every op is the first Record of a new
// 10-second bucket for a latency series at GOMAXPROCS 64 (set here, above
// the core count; the clock moving with it), so that every 30th op is also
// the first of a new 5-minute slot; ns/op is theirs. A plain Record (same
// series, current bucket) is timed in the same run, in chunks interleaved
// with the ops', so that a load on the machine weighs on both alike; it
// reports plain-ns/op and the ratio x-plain (issue 12, target 3: ≤ 3).
func BenchmarkFirstRecordOfBucket(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(64))
	var clock atomic.Int64
	clock.Store(benchStart.UnixNano())
	tr, err := budget.New([]sli.Objective{{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second, Window: sli.Rolling(30 * 24 * time.Hour)}},
		budget.WithClock(func() time.Time { return time.Unix(0, clock.Load()) }))
	if err != nil {
		b.Fatal(err)
	}
	s, _ := tr.Series("latency", "")
	at := benchStart
	// Warm up: every latency stripe this goroutine writes exists.
	s.Record(sli.Event{Time: at, Duration: latencies[0], Outcome: sli.Good})
	const chunk = 1024
	var first, plain time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		k := min(chunk, b.N-done)
		start := time.Now()
		for i := range k {
			at = at.Add(10 * time.Second)
			clock.Store(at.UnixNano())
			s.Record(sli.Event{Time: at, Duration: latencies[(done+i)&latencyMask], Outcome: sli.Good})
		}
		mid := time.Now()
		for i := range k {
			clock.Store(at.UnixNano())
			s.Record(sli.Event{Time: at, Duration: latencies[(done+i)&latencyMask], Outcome: sli.Good})
		}
		first += mid.Sub(start)
		plain += time.Since(mid)
	}
	b.StopTimer()
	// ns/op is the first Records' alone (the plain ones allocate nothing
	// either, so allocs/op stays theirs).
	n := float64(b.N)
	b.ReportMetric(float64(first.Nanoseconds())/n, "ns/op")
	b.ReportMetric(float64(plain.Nanoseconds())/n, "plain-ns/op")
	b.ReportMetric(float64(first.Nanoseconds())/float64(plain.Nanoseconds()), "x-plain")
}
