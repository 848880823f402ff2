package bench

import (
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
			tr, now := filledTracker(b, bc.perMinute)
			b.ResetTimer()
			for range b.N {
				if st := tr.StatusAt(now); len(st) != 1 {
					b.Fatalf("got %d statuses, want 1", len(st))
				}
			}
		})
	}
}

// filledTracker returns a tracker whose one objective, latency under 2 s for
// 99% over 30 days, holds 30 days of traffic at perMinute calls a minute,
// and the instant the window ends. Each minute is recorded with RecordN, in
// a few runs of one latency from the benchmark table, so a month takes a
// fraction of a second to fill whatever the rate.
func filledTracker(b *testing.B, perMinute int64) (*budget.Tracker, time.Time) {
	b.Helper()
	const window = 30 * 24 * time.Hour
	start := benchStart
	clk := budgettest.NewClock(start)
	tr, err := budget.New([]sli.Objective{{
		Name: "chat-latency", Kind: sli.Latency, Target: 0.99,
		Threshold: 2 * time.Second, Window: sli.Rolling(window),
	}}, budget.WithClock(clk.Now))
	if err != nil {
		b.Fatal(err)
	}
	s, err := tr.Series("chat-latency", "")
	if err != nil {
		b.Fatal(err)
	}
	// Up to four runs a minute, so that the latency distribution has some
	// spread and the calls above 2 s burn budget.
	runs := min(perMinute, 4)
	k := 0
	for m := time.Duration(1); m <= window/time.Minute; m++ {
		at := clk.Advance(time.Minute)
		for r := range runs {
			n := perMinute / runs
			if r == 0 {
				n += perMinute % runs
			}
			s.RecordN(sli.Event{Time: at, Duration: latencies[k&latencyMask], Outcome: sli.Good}, n)
			k += 97 // a stride coprime to 1024 walks the whole table
		}
	}
	if past, future := tr.Dropped(); past+future != 0 {
		b.Fatalf("prefill dropped %d past, %d future events", past, future)
	}
	now := clk.Now()
	st := tr.StatusAt(now)
	if got, want := st[0].Total(), int64(window/time.Minute)*perMinute; got != want {
		b.Fatalf("window holds %d events, want %d", got, want)
	}
	if st[0].Latency.Count == 0 {
		b.Fatal("no latencies in the last hour")
	}
	return tr, now
}
