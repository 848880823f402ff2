package bench

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// BenchmarkStatus measures the full status of one latency objective (burn
// rates over every window, alerts, policy, latency percentiles) after a
// 30-day window was filled with traffic at 1 and at 1,000 calls a minute.
// The status sums fixed-size rings, so its cost must not grow with traffic:
// high-traffic/low-traffic ≤ 1.2, each under 50 µs.
func BenchmarkStatus(b *testing.B) {
	for _, bc := range []struct {
		name      string
		perMinute int64
	}{
		{"low-traffic", 1},
		{"high-traffic", 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			f := filled(bc.perMinute)
			if f.err != nil {
				b.Fatal(f.err)
			}
			b.ResetTimer()
			for range b.N {
				if st := f.tr.StatusAt(f.now); len(st) != 1 {
					b.Fatalf("got %d statuses, want 1", len(st))
				}
			}
		})
	}
}

// filledWindow is a tracker whose 30-day window is full, and the instant the
// window ends.
type filledWindow struct {
	tr  *budget.Tracker
	now time.Time
	err error
}

// filledWindows keeps each filled tracker for the benchmark's later runs:
// testing calls a benchmark function several times while it sizes b.N, and
// the status at a fixed instant leaves the tracker as it found it.
var filledWindows = struct {
	sync.Mutex
	m map[int64]filledWindow
}{m: map[int64]filledWindow{}}

func filled(perMinute int64) filledWindow {
	filledWindows.Lock()
	defer filledWindows.Unlock()
	f, ok := filledWindows.m[perMinute]
	if !ok {
		f = fill(perMinute)
		filledWindows.m[perMinute] = f
	}
	return f
}

// fill returns a tracker whose one objective, latency under 2 s for 99% over
// 30 days, holds 30 days of traffic at perMinute calls a minute, spread over
// the minute's six 10-second buckets (1 a minute fills one bucket in six;
// 1,000 a minute fills every one). Each bucket is recorded with RecordN, in
// up to four runs of one latency from the benchmark table, so that the
// distribution has some spread and the calls above 2 s burn budget; a month
// takes well under a second to fill.
func fill(perMinute int64) filledWindow {
	const (
		window = 30 * 24 * time.Hour
		step   = 10 * time.Second
		steps  = int64(time.Minute / step)
	)
	clk := budgettest.NewClock(benchStart)
	tr, err := budget.New([]sli.Objective{{
		Name: "chat-latency", Kind: sli.Latency, Target: 0.99,
		Threshold: 2 * time.Second, Window: sli.Rolling(window),
	}}, budget.WithClock(clk.Now))
	if err != nil {
		return filledWindow{err: err}
	}
	s, err := tr.Series("chat-latency", "")
	if err != nil {
		return filledWindow{err: err}
	}
	k := 0
	for i := int64(1); i <= int64(window/step); i++ {
		at := clk.Advance(step)
		// The calls of this step: the running total's increase, so that
		// every minute holds exactly perMinute.
		n := perMinute*i/steps - perMinute*(i-1)/steps
		runs := min(n, 4)
		for r := range runs {
			m := n / runs
			if r < n%runs {
				m++
			}
			s.RecordN(sli.Event{Time: at, Duration: latencies[k&latencyMask], Outcome: sli.Good}, m)
			k += 97 // a stride coprime to 1024 walks the whole table
		}
	}
	if past, future := tr.Dropped(); past+future != 0 {
		return filledWindow{err: fmt.Errorf("prefill dropped %d past, %d future events", past, future)}
	}
	now := clk.Now()
	st := tr.StatusAt(now)
	if got, want := st[0].Total(), int64(window/time.Minute)*perMinute; got != want {
		return filledWindow{err: fmt.Errorf("window holds %d events, want %d", got, want)}
	}
	if st[0].Latency.Count == 0 {
		return filledWindow{err: fmt.Errorf("no latencies in the last hour")}
	}
	return filledWindow{tr: tr, now: now}
}

// BenchmarkStatusWindowLength: the status of a 92-day objective beside a
// 1-day one's, each window full of traffic (10-second buckets for the last
// 3 days, 5-minute ones before), the clock moving on a second and one call
// recorded before every status, so that each reads windows that moved. A
// status reads running sums kept for its windows (internal/window,
// Tier.SumKept), so its cost must not grow with the period: x-1d ≤ 1.2
// (issue 13, target 1). The two alternate within the loop, so that load
// coming and going on a shared machine weighs on both alike; ns/op is the
// 92-day objective's.
//
//	go test -run '^$' -bench StatusWindowLength -count 5 -cpu 1 | tee wl.txt
func BenchmarkStatusWindowLength(b *testing.B) {
	long, short := windowLength(b, 92*24*time.Hour), windowLength(b, 24*time.Hour)
	b.ReportAllocs()
	var tLong, tShort time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 { // each goes first every other time
			tLong += long.status()
			tShort += short.status()
		} else {
			tShort += short.status()
			tLong += long.status()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(tLong.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(tShort.Nanoseconds())/float64(b.N), "1d-ns/op")
	b.ReportMetric(float64(tLong)/float64(tShort), "x-1d")
}

// oneSeries is a tracker of one ungrouped objective.
type oneSeries struct {
	tr  *budget.Tracker
	s   *budget.Series
	clk *budgettest.Clock
}

// status moves the clock on a second, records a call there, and returns
// how long the status then took.
func (o oneSeries) status() time.Duration {
	now := o.clk.Advance(time.Second)
	o.s.Record(sli.Event{Time: now, Outcome: sli.Good})
	t0 := time.Now()
	o.tr.StatusAt(now)
	return time.Since(t0)
}

// windowLength returns a tracker of one availability objective over a
// rolling period, filled with a period of traffic at 60 calls a minute (1 in
// 200 bad), and kept for the benchmark's later runs.
func windowLength(b *testing.B, period time.Duration) oneSeries {
	b.Helper()
	k := fmt.Sprint("window-length", period)
	scaleTrackers.Lock()
	defer scaleTrackers.Unlock()
	if e, ok := scaleTrackers.m[k]; ok {
		s, _ := e.tr.Series("api", "")
		return oneSeries{e.tr, s, e.clk}
	}
	clk := budgettest.NewClock(benchStart)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999, Window: sli.Rolling(period)}}, budget.WithClock(clk.Now))
	if err != nil {
		b.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	end := benchStart.Add(period)
	for at := benchStart; at.Before(end); {
		step := 5 * time.Minute
		if end.Sub(at) <= 72*time.Hour {
			step = 10 * time.Second
		}
		at = clk.Advance(step)
		n := int64(step / time.Second)
		s.RecordN(sli.Event{Time: at, Outcome: sli.Good}, n-n/200)
		s.RecordN(sli.Event{Time: at, Outcome: sli.Bad}, n/200)
	}
	if st := tr.StatusAt(clk.Now()); st[0].Total() < int64(period/time.Second)*99/100 {
		b.Fatalf("%v: the period holds %d events", period, st[0].Total())
	}
	scaleTrackers.m[k] = scaleEntry{tr, clk}
	return oneSeries{tr, s, clk}
}
