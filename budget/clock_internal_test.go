package budget

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
)

// fakeClock is budgettest.Clock, which this package's internal tests cannot
// import (budgettest imports budget).
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

var clockT0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// record sends n events of outcome v, one every 100 ms from the clock's
// reading, and leaves the clock at the last.
func record(clk *fakeClock, s *Series, v sli.Outcome, n int) {
	for range n {
		clk.Set(clk.Now().Add(100 * time.Millisecond))
		s.Record(sli.Event{Time: clk.Now(), Outcome: v})
	}
}

// Item 9: a status that detected a transition is delayed between detecting
// it and delivering it (it still computes other series) while another
// status detects the next transition of the same series and delivers it.
// The handlers must still see fired before resolved.
func TestRegressionTransitionsOfOneSeriesDeliveredInOrder(t *testing.T) {
	clk := &fakeClock{now: clockT0}
	rule := AlertRule{Name: "fast", Severity: Page, LongWindow: 10 * time.Minute, ShortWindow: time.Minute,
		BurnRate: 2, MinLongEvents: 1, MinShortEvents: 1}
	var mu sync.Mutex
	var got []TransitionKind
	tr, err := New([]sli.Objective{{Name: "api", Target: 0.99}, {Name: "other", Target: 0.99}}, WithClock(clk.Now),
		WithAlertRules([]AlertRule{rule}),
		OnTransition(func(x Transition) {
			if x.Objective == "api" && x.Kind != PolicyChanged {
				mu.Lock()
				got = append(got, x.Kind)
				mu.Unlock()
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	record(clk, s, sli.Good, 3000)
	tr.Status()
	record(clk, s, sli.Bad, 1200) // two minutes of outage: fires

	// The first status stops after the series "api" until released.
	release := make(chan struct{})
	reached := make(chan struct{})
	var stopped atomic.Bool
	tr.afterSeries = func(x *Series) {
		if x == s && stopped.CompareAndSwap(false, true) {
			close(reached)
			<-release
		}
	}
	first := make(chan struct{})
	go func() { tr.Status(); close(first) }()
	<-reached

	record(clk, s, sli.Good, 1200) // two clean minutes: resolves
	tr.Status()                    // detects and delivers the resolution
	close(release)
	<-first
	record(clk, s, sli.Bad, 1200)
	tr.Status()
	mu.Lock()
	defer mu.Unlock()
	want := []TransitionKind{AlertFired, AlertResolved, AlertFired}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}

// Item 2: the first event after a step back brings cur back to the clock's
// bucket, so the next ones take the lock-free path.
func TestStepBackFirstEventRestoresFastPath(t *testing.T) {
	clk := &fakeClock{now: clockT0}
	tr, _ := New([]sli.Objective{{Name: "api", Target: 0.99}}, WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	record(clk, s, sli.Good, 100)
	clk.Set(clockT0.Add(40 * 24 * time.Hour))
	record(clk, s, sli.Good, 100)
	clk.Set(clockT0.Add(time.Minute))
	s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good})
	if got, want := s.bucket(), window.FloorDiv(clk.Now().UnixNano(), window.FineWidth); got != want {
		t.Fatalf("cur %d after the first event at the clock, want its bucket %d", got, want)
	}
	if g, _ := s.Lifetime(); g != 201 {
		t.Fatalf("lifetime %d good, want 201", g)
	}
}
