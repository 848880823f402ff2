package budget

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

var stripeT0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// A tracker created under GOMAXPROCS 1 keeps four stripes per series; when
// GOMAXPROCS is raised later, more goroutines than stripes write at once.
// Counts stay exact across bucket rotations, with a reader flushing
// meanwhile.
func TestStripesExactWhenGOMAXPROCSGrows(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var mu sync.Mutex
	now := stripeT0.Add(30 * time.Minute) // after every event below
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tr, err := New([]sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: 100 * time.Millisecond},
	}, WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tr.Series("api", "")
	if got := a.stripes.Len(); got != 4 {
		t.Fatalf("series has %d stripes under GOMAXPROCS 1, want 4", got)
	}
	l, _ := tr.Series("lat", "")
	set := Set{a, l}
	runtime.GOMAXPROCS(4)

	const (
		writers   = 8
		perWriter = 100_000
	)
	done := make(chan struct{})
	var rd sync.WaitGroup
	rd.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				tr.Status()
				runtime.Gosched() // pacing only: let the writers run between reads
			}
		}
	})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				// 10,000 calls per 10-second bucket: mostly the fast path,
				// where a lost update would show, and every writer rotates
				// 10 times, the writers' times interleaving, so some events
				// are late.
				at := stripeT0.Add(time.Duration(i/10_000) * 10 * time.Second)
				e := sli.Event{Time: at, Duration: time.Duration(w*i%300) * time.Millisecond, Outcome: sli.Good}
				if i%50 == 0 {
					e.Outcome = sli.Bad
				}
				set.Record(e)
			}
		})
	}
	wg.Wait()
	close(done)
	rd.Wait()

	st := tr.Status()
	wantBad := int64(writers * perWriter / 50)
	wantGood := int64(writers*perWriter) - wantBad
	if st[0].Good != wantGood || st[0].Bad != wantBad {
		t.Errorf("availability: good %d bad %d, want %d and %d", st[0].Good, st[0].Bad, wantGood, wantBad)
	}
	if got := st[1].Good + st[1].Bad; got != wantGood || st[1].LifetimeExcluded != wantBad {
		t.Errorf("latency: %d counted, %d excluded; want the %d good calls counted, the %d failed excluded", got, st[1].LifetimeExcluded, wantGood, wantBad)
	}
	if got := st[1].Latency.Count; got != wantGood {
		t.Errorf("latency distribution of the last hour holds %d calls, want %d", got, wantGood)
	}
	if past, future := tr.Dropped(); past+future != 0 {
		t.Errorf("dropped %d past, %d future", past, future)
	}
	ag, ab := a.Lifetime()
	if ag != wantGood || ab != wantBad {
		t.Errorf("lifetime: %d good %d bad, want %d and %d", ag, ab, wantGood, wantBad)
	}
}
