package bench

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// BenchmarkSliceStatus measures, in one run, the status of a 30-day
// time-slice objective (1-minute slices, p99 ≤ 2 s in 95% of minutes)
// against the same objective counting occurrences, both holding 30 days of
// the same traffic (1,000 calls a minute, BenchmarkStatus's table of
// latencies). The two are timed alternately, 50 statuses at a time, so
// that the load of a shared machine falls on both alike;
// slices/occurrences is the ratio of their times (target ≤ 1.5), and
// best-slices/occurrences that of their fastest runs.
//
//	go test -run '^$' -bench 'SliceStatus' -count 5 ./bench/
func BenchmarkSliceStatus(b *testing.B) {
	occ, err := fillSlices(sli.Occurrences)
	if err != nil {
		b.Fatal(err)
	}
	slc, err := fillSlices(sli.Timeslices)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	// Alternating runs of 50 statuses: the sums give ns/op of each, and
	// the fastest run of each side a ratio that a load spike on a shared
	// machine moves less.
	const run = 50
	var tOcc, tSlc time.Duration
	bestOcc, bestSlc := time.Duration(1<<62), time.Duration(1<<62)
	for i := 0; i < b.N; i += run {
		k := min(run, b.N-i)
		t0 := time.Now()
		for range k {
			occ.tr.StatusAt(occ.now)
		}
		t1 := time.Now()
		for range k {
			slc.tr.StatusAt(slc.now)
		}
		t2 := time.Now()
		tOcc += t1.Sub(t0)
		tSlc += t2.Sub(t1)
		if k == run {
			bestOcc, bestSlc = min(bestOcc, t1.Sub(t0)), min(bestSlc, t2.Sub(t1))
		}
	}
	b.ReportMetric(float64(tOcc.Nanoseconds())/float64(b.N), "occurrences-ns/op")
	b.ReportMetric(float64(tSlc.Nanoseconds())/float64(b.N), "slices-ns/op")
	if bestOcc < 1<<62 {
		b.ReportMetric(float64(bestSlc)/float64(bestOcc), "best-slices/occurrences")
	}
	b.ReportMetric(float64(tSlc)/float64(tOcc), "slices/occurrences")
}

// BenchmarkRecordSlices is BenchmarkRecord's serial case on a time-slice
// objective: slices are decided at reads and rotations, never per event, so
// it matches BenchmarkRecord/serial.
//
//	go test -run '^$' -bench 'Record(Slices|/serial)' -count 5 ./bench/
func BenchmarkRecordSlices(b *testing.B) {
	b.ReportAllocs()
	tr, err := budget.New([]sli.Objective{{
		Name: "chat-latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second,
		Budgeting: sli.Timeslices, SliceTarget: 0.95,
	}}, budget.WithClock(func() time.Time { return benchStart }))
	if err != nil {
		b.Fatal(err)
	}
	s, err := tr.Series("chat-latency", "")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	at := benchStart
	for i := range b.N {
		s.Record(sli.Event{Time: at, Duration: latencies[i&latencyMask], Outcome: sli.Good})
		at = at.Add(time.Microsecond)
	}
}

// fillSlices is fill's tracker at 1,000 calls a minute for an objective
// budgeted by method.
func fillSlices(method sli.Budgeting) (filledWindow, error) {
	const (
		window    = 30 * 24 * time.Hour
		step      = 10 * time.Second
		perMinute = 1000
		steps     = int64(time.Minute / step)
	)
	o := sli.Objective{Name: "chat-latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second, Window: sli.Rolling(window), Budgeting: method}
	if method == sli.Timeslices {
		o.SliceTarget = 0.95
	}
	clk := budgettest.NewClock(benchStart)
	tr, err := budget.New([]sli.Objective{o}, budget.WithClock(clk.Now))
	if err != nil {
		return filledWindow{}, err
	}
	s, err := tr.Series(o.Name, "")
	if err != nil {
		return filledWindow{}, err
	}
	k := 0
	for i := int64(1); i <= int64(window/step); i++ {
		at := clk.Advance(step)
		n := perMinute*i/steps - perMinute*(i-1)/steps
		for r := range int64(4) {
			m := n / 4
			if r < n%4 {
				m++
			}
			s.RecordN(sli.Event{Time: at, Duration: latencies[k&latencyMask], Outcome: sli.Good}, m)
			k += 97
		}
	}
	now := clk.Now()
	st := tr.StatusAt(now)
	if method == sli.Timeslices && (st[0].Slices == nil || st[0].Slices.Good+st[0].Slices.Bad < 43000) {
		return filledWindow{}, fmt.Errorf("the period holds %+v slices, want some 43,200", st[0].Slices)
	}
	return filledWindow{tr: tr, now: now}, nil
}

// BenchmarkSliceSeriesMemory is BenchmarkSeriesMemory at GOMAXPROCS 1 for
// time-slice objectives beside the same objectives counting occurrences:
// the verdicts' cost per series (issue 17; targets of issue 12: ≤ 40 KiB
// per availability series, ≤ 56 KiB per latency series).
//
//	go test -run '^$' -bench 'SliceSeriesMemory' -benchtime 1x -count 1 ./bench/
func BenchmarkSliceSeriesMemory(b *testing.B) {
	const n = 64
	for _, kind := range []sli.Kind{sli.Availability, sli.Latency} {
		for _, method := range []sli.Budgeting{sli.Occurrences, sli.Timeslices, sli.RatioTimeslices} {
			b.Run(fmt.Sprintf("%v/%v", kind, method), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
				objs := make([]sli.Objective, n)
				for i := range objs {
					objs[i] = sli.Objective{Name: fmt.Sprintf("o%02d", i), Kind: kind, Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour), Budgeting: method}
					if kind == sli.Latency {
						objs[i].Target, objs[i].Threshold = 0.99, 500*time.Millisecond
					}
					if method == sli.Timeslices {
						objs[i].SliceTarget = 0.95
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
					tr.Status()
					kib = float64(int64(liveHeap())-int64(before)) / n / 1024
					runtime.KeepAlive(tr)
				}
				b.ReportMetric(kib, "KiB/series")
			})
		}
	}
}
