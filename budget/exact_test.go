package budget_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// Several goroutines record millions of events while the clock crosses
// bucket boundaries and readers flush concurrently: the totals are exact.
func TestExactUnderConcurrencyAcrossRotations(t *testing.T) {
	const (
		writers   = 4
		perWriter = 500_000
	)
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		availability("api"),
		{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: 100 * time.Millisecond},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tr.Series("api", "")
	l, _ := tr.Series("lat", "")
	set := budget.Set{a, l}

	var done atomic.Bool
	var wg sync.WaitGroup
	// Readers flush the stripes while writers add to them.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() {
			tr.Status()
			runtime.Gosched() // pacing only: let the writers run between reads
		}
	}()
	var good, bad [writers]int64
	var ww sync.WaitGroup
	for w := 0; w < writers; w++ {
		ww.Add(1)
		go func() {
			defer ww.Done()
			for i := 0; i < perWriter; i++ {
				// The first writer moves the clock a second every 1,000
				// calls: 500 seconds, 50 fine buckets, while the others
				// record with times they read a moment before.
				if w == 0 && i%1000 == 0 {
					clk.Advance(time.Second)
				}
				e := sli.Event{Time: clk.Now(), Duration: time.Duration(i%200) * time.Millisecond, Outcome: sli.Good}
				if i%97 == 0 {
					e.Outcome = sli.Bad
					bad[w]++
				} else {
					good[w]++
				}
				set.Record(e)
			}
		}()
	}
	ww.Wait()
	done.Store(true)
	wg.Wait()

	var wantGood, wantBad int64
	for w := range writers {
		wantGood += good[w]
		wantBad += bad[w]
	}
	if past, future := tr.Dropped(); past+future != 0 {
		t.Fatalf("dropped %d past, %d future events", past, future)
	}
	elapsed := clk.Now().Sub(t0)
	if elapsed != perWriter/1000*time.Second {
		t.Fatalf("the clock moved %v, want %v", elapsed, perWriter/1000*time.Second)
	}
	st := tr.Status()
	if st[0].Good != wantGood || st[0].Bad != wantBad {
		t.Errorf("availability counted %d good %d bad, recorded %d good %d bad", st[0].Good, st[0].Bad, wantGood, wantBad)
	}
	// Latency: failed calls are excluded; good calls under 100 ms are good.
	var latGood, latBad int64
	for w := 0; w < writers; w++ {
		for i := 0; i < perWriter; i++ {
			if i%97 == 0 {
				continue
			}
			if time.Duration(i%200)*time.Millisecond <= 100*time.Millisecond {
				latGood++
			} else {
				latBad++
			}
		}
	}
	if st[1].Good != latGood || st[1].Bad != latBad || st[1].LifetimeExcluded != wantBad {
		t.Errorf("latency counted %d/%d/%d good/bad/excluded, want %d/%d/%d", st[1].Good, st[1].Bad, st[1].LifetimeExcluded, latGood, latBad, wantBad)
	}
	if st[1].Latency.Count != latGood+latBad {
		t.Errorf("latency histogram holds %d values, want %d", st[1].Latency.Count, latGood+latBad)
	}
	if g, b := a.Lifetime(); g != wantGood || b != wantBad {
		t.Errorf("lifetime %d/%d, want %d/%d", g, b, wantGood, wantBad)
	}
	// Every fine bucket's counts add up to the total.
	for _, b := range st[0].BurnRates {
		if b.Window == "30m" && b.Good+b.Bad != wantGood+wantBad {
			t.Errorf("30m window holds %d events, want %d", b.Good+b.Bad, wantGood+wantBad)
		}
	}
}

// Events whose completion time is far from the clock are dropped and
// counted, never smeared into other buckets.
func TestWallClockJumpsDropAndCount(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	s.Record(sli.Event{Time: t0, Outcome: sli.Good})
	s.Record(sli.Event{Time: t0.Add(2 * time.Minute), Outcome: sli.Bad})      // ahead of the clock
	s.Record(sli.Event{Time: t0.Add(-31 * 24 * time.Hour), Outcome: sli.Bad}) // before the window
	s.Record(sli.Event{Time: t0.Add(30 * time.Second), Outcome: sli.Good})    // within a minute: kept
	s.Record(sli.Event{Time: t0.Add(-time.Hour), Outcome: sli.Good})          // late, in the window: kept
	if past, future := tr.Dropped(); past != 1 || future != 1 {
		t.Fatalf("dropped %d past and %d future, want 1 and 1", past, future)
	}
	clk.Advance(time.Minute)
	st := tr.Status()[0]
	if st.Good != 3 || st.Bad != 0 {
		t.Fatalf("counted %d good %d bad, want 3 good 0 bad", st.Good, st.Bad)
	}
	// The late event sits in its own bucket: in the 2h window, not the 30m.
	if b := st.BurnRates[1]; b.Window != "30m" || b.Good != 2 {
		t.Errorf("30m window holds %d good, want 2 (the late event is an hour old)", b.Good)
	}
	if b := st.BurnRates[3]; b.Window != "2h" || b.Good != 3 {
		t.Errorf("2h window holds %d good, want 3", b.Good)
	}
}

// The clock moves 10 s at a time, so that nearly every step is a new
// bucket moved without the lock (and every 30th a new 5-minute slot, under
// it), while readers fold through Status and Lifetime as often as they
// can: good, bad, excluded and the latency histogram are exact (issue 12,
// target 3).
func TestExactWhileReadersFoldLockFreeRotations(t *testing.T) {
	const (
		writers = 4
		steps   = 720 // two hours of 10-second buckets
		perStep = 200
	)
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{
		availability("api"),
		{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: 100 * time.Millisecond},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tr.Series("api", "")
	l, _ := tr.Series("lat", "")
	set := budget.Set{a, l}
	var done atomic.Bool
	var rd sync.WaitGroup
	for range 2 {
		rd.Go(func() {
			for !done.Load() {
				tr.Status()
				a.Lifetime()
				runtime.Gosched()
			}
		})
	}
	var step atomic.Int64
	var good, bad, slow [writers]int64
	var ww sync.WaitGroup
	for w := range writers {
		ww.Go(func() {
			for i := range steps * perStep {
				if w == 0 && i%perStep == 0 && step.Add(1) > 1 {
					clk.Advance(10 * time.Second)
				}
				e := sli.Event{Time: clk.Now(), Duration: time.Duration(i%150) * time.Millisecond, Outcome: sli.Good}
				switch {
				case i%89 == 0:
					e.Outcome = sli.Bad
					bad[w]++
				default:
					good[w]++
					if e.Duration > 100*time.Millisecond {
						slow[w]++
					}
				}
				set.Record(e)
			}
		})
	}
	ww.Wait()
	done.Store(true)
	rd.Wait()
	var wantGood, wantBad, wantSlow int64
	for w := range writers {
		wantGood += good[w]
		wantBad += bad[w]
		wantSlow += slow[w]
	}
	if past, future := tr.Dropped(); past+future != 0 {
		t.Fatalf("dropped %d past, %d future events", past, future)
	}
	st := tr.Status()
	if st[0].Good != wantGood || st[0].Bad != wantBad {
		t.Errorf("availability counted %d good %d bad, recorded %d good %d bad", st[0].Good, st[0].Bad, wantGood, wantBad)
	}
	if st[1].Good != wantGood-wantSlow || st[1].Bad != wantSlow || st[1].LifetimeExcluded != wantBad {
		t.Errorf("latency counted %d/%d/%d good/bad/excluded, want %d/%d/%d", st[1].Good, st[1].Bad, st[1].LifetimeExcluded, wantGood-wantSlow, wantSlow, wantBad)
	}
	if g, b := a.Lifetime(); g != wantGood || b != wantBad {
		t.Errorf("lifetime %d/%d, want %d/%d", g, b, wantGood, wantBad)
	}
}
