package statuscache_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/internal/statuscache"
)

func TestOncePerInterval(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var calls atomic.Int64
	c := statuscache.New(clk.Now, time.Second, func(now time.Time) int64 { return calls.Add(1) })

	for range 3 {
		if v, _ := c.Get(); v != 1 {
			t.Fatalf("got computation %d, want 1", v)
		}
	}
	clk.Advance(999 * time.Millisecond)
	if v, at := c.Get(); v != 1 || !at.Equal(clk.Now().Add(-999*time.Millisecond)) {
		t.Fatalf("within the interval: %d at %v", v, at)
	}
	clk.Advance(time.Millisecond)
	if v, _ := c.Get(); v != 2 {
		t.Fatalf("after the interval: %d", v)
	}
	// A clock that moves back invalidates the value.
	clk.Advance(-time.Hour)
	if v, _ := c.Get(); v != 3 {
		t.Fatalf("after the clock went back: %d", v)
	}
}

// Callers that arrive during a computation wait for it and share its
// result: one computation however many ask at once. In a synctest bubble,
// so that every other caller is known to be waiting before the computation
// ends.
func TestConcurrentCallersShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		var calls atomic.Int64
		release := make(chan struct{})
		started := make(chan struct{})
		c := statuscache.New(clk.Now, time.Second, func(now time.Time) int64 {
			if calls.Add(1) == 1 {
				close(started)
				<-release
			}
			return calls.Load()
		})
		var wg sync.WaitGroup
		results := make([]int64, 20)
		wg.Go(func() { results[0], _ = c.Get() })
		<-started
		for i := 1; i < len(results); i++ {
			wg.Go(func() { results[i], _ = c.Get() })
		}
		synctest.Wait() // every other caller waits for the first computation
		close(release)
		wg.Wait()
		if n := calls.Load(); n != 1 {
			t.Errorf("%d computations", n)
		}
		for i, r := range results {
			if r != 1 {
				t.Errorf("caller %d got %d", i, r)
			}
		}
	})
}

// A computation that panics releases the callers waiting for it and
// leaves no value behind.
func TestPanicReleasesWaiters(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var calls atomic.Int64
	c := statuscache.New(clk.Now, time.Second, func(now time.Time) int64 {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return 7
	})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		c.Get()
	}()
	if v, _ := c.Get(); v != 7 {
		t.Errorf("after the panic: %d", v)
	}
}

// GetWithin: a reader's own interval decides what is fresh for it, and a
// value that usable refuses is computed again, then serves everyone.
func TestGetWithin(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var calls atomic.Int64
	c := statuscache.New(clk.Now, time.Second, func(now time.Time) int64 { return calls.Add(1) })
	if v, _ := c.GetWithin(0, nil); v != 1 {
		t.Fatalf("first: %d", v)
	}
	clk.Advance(1500 * time.Millisecond)
	if v, _ := c.GetWithin(2*time.Second, nil); v != 1 {
		t.Errorf("2 s reader at 1.5 s: computation %d, want 1", v)
	}
	if v, _ := c.Get(); v != 2 {
		t.Errorf("1 s reader at 1.5 s: computation %d, want 2", v)
	}
	even := func(v int64) bool { return v%2 == 0 }
	odd := func(v int64) bool { return v%2 == 1 }
	if v, _ := c.GetWithin(time.Second, even); v != 2 {
		t.Errorf("usable value refused: %d", v)
	}
	if v, _ := c.GetWithin(time.Second, odd); v != 3 {
		t.Errorf("unusable value served: %d", v)
	}
	if v, _ := c.Get(); v != 3 {
		t.Errorf("the recomputed value does not serve the others: %d", v)
	}
}
