package budget_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// patience ends shortly before go test's -timeout would stop the whole
// binary, so that a test that waits for something that never comes (a
// child process's line, a transition) fails with its own message, and its
// cleanup runs (killing a child). It is no limit of the test's own: a
// loaded machine makes the test slower, never failed.
func patience(t *testing.T) <-chan struct{} {
	ctx := t.Context()
	if end, ok := t.Deadline(); ok {
		c, cancel := context.WithDeadline(ctx, end.Add(-time.Until(end)/20))
		t.Cleanup(cancel)
		ctx = c
	}
	return ctx.Done()
}

// countingStore is a MemoryStore that counts its saves.
type countingStore struct {
	state.MemoryStore
	mu    sync.Mutex
	saves int
}

func (c *countingStore) Save(st *state.State) error {
	c.mu.Lock()
	c.saves++
	c.mu.Unlock()
	return c.MemoryStore.Save(st)
}

// SaveChanges counts as Save does (the tracker calls it on a ChangeSaver).
func (c *countingStore) SaveChanges(st *state.State, _ *state.Changes) error { return c.Save(st) }

func (c *countingStore) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saves
}

// runRig is a tracker on the real clock, inside a synctest bubble (whose
// clock is fake: time moves only when every goroutine of the bubble waits),
// with what its OnTransition receives.
type runRig struct {
	tr    *budget.Tracker
	s     *budget.Series
	store *countingStore
	start time.Time

	mu  sync.Mutex
	got []budget.Transition
}

func newRunRig(t *testing.T) *runRig {
	r := &runRig{store: &countingStore{}, start: time.Now()}
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}},
		budget.WithStore(r.store, 30*time.Second),
		budget.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		budget.OnTransition(func(x budget.Transition) {
			r.mu.Lock()
			r.got = append(r.got, x)
			r.mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	r.tr = tr
	r.s, _ = tr.Series("api", "")
	return r
}

// traffic records ten events a second with the outcome for d, the clock
// moving a second after each ten, then lets every goroutine of the bubble
// (Run) finish what that time brought.
func (r *runRig) traffic(d time.Duration, out sli.Outcome) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 10 {
			r.s.Record(sli.Event{Time: time.Now(), Outcome: out})
		}
		time.Sleep(time.Second)
	}
	synctest.Wait()
}

// transitions returns what OnTransition received since the last call.
func (r *runRig) transitions() []budget.Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

func find(trs []budget.Transition, kind budget.TransitionKind, alert string) (budget.Transition, bool) {
	for _, x := range trs {
		if x.Kind == kind && (alert == "" || x.Alert.Rule.Name == alert) {
			return x, true
		}
	}
	return budget.Transition{}, false
}

// TestRun: Run evaluates the status every interval, so transitions reach
// OnTransition with nobody asking, at the interval's ticks; it snapshots
// every snapshot interval; and once its context is canceled it returns the
// context's error and does nothing more.
func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRunRig(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- r.tr.Run(ctx, time.Minute) }()

		// Everything fails from the start; Run has not evaluated yet.
		r.traffic(59*time.Second, sli.Bad)
		if got := r.transitions(); len(got) != 0 {
			t.Fatalf("transitions before Run's first tick: %v", got)
		}
		if n := r.store.count(); n != 1 {
			t.Errorf("%d snapshots at 59s, want 1 (at 30s)", n)
		}

		// Its first tick, at one minute, fires the page alert and exhausts
		// the budget: delivered at that instant.
		r.traffic(time.Second, sli.Bad)
		got := r.transitions()
		tick := r.start.Add(time.Minute)
		if x, ok := find(got, budget.AlertFired, "page-1h"); !ok || !x.Time.Equal(tick) {
			t.Errorf("page-1h fired %v (%v), want at %v; transitions %v", x.Time, ok, tick, got)
		}
		if x, ok := find(got, budget.PolicyChanged, ""); !ok || x.To != budget.Exhausted || !x.Time.Equal(tick) {
			t.Errorf("policy change %v (%v), want to exhausted at %v", x, ok, tick)
		}

		// Then everything succeeds: the page alert resolves at a later
		// tick, still with nobody asking.
		r.traffic(9*time.Minute, sli.Good)
		got = r.transitions()
		x, ok := find(got, budget.AlertResolved, "page-1h")
		if !ok {
			t.Fatalf("page-1h did not resolve in 9 minutes of success; transitions %v", got)
		}
		for _, x := range got {
			if since := x.Time.Sub(r.start); since%time.Minute != 0 {
				t.Errorf("%v delivered %v after the start, not at a tick of Run", x, since)
			}
		}
		t.Logf("page-1h resolved at %v", x.Time.Sub(r.start))
		if n, want := r.store.count(), int(time.Since(r.start)/(30*time.Second)); n != want {
			t.Errorf("%d snapshots after %v, want %d (one every 30 s)", n, time.Since(r.start), want)
		}

		// Canceled, Run returns the context's error and evaluates and
		// snapshots no more: failures go unnoticed until someone asks.
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
		saves := r.store.count()
		r.traffic(10*time.Minute, sli.Bad)
		if got := r.transitions(); len(got) != 0 {
			t.Errorf("transitions after Run returned: %v", got)
		}
		if n := r.store.count(); n != saves {
			t.Errorf("%d snapshots after Run returned", n-saves)
		}
		r.tr.Status()
		if got := r.transitions(); len(got) == 0 {
			t.Error("the failures after Run returned fired nothing when asked")
		}
	})
}

// TestRunZeroInterval: an interval of zero evaluates every 10 seconds.
func TestRunZeroInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRunRig(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go r.tr.Run(ctx, 0)
		r.traffic(9*time.Second, sli.Bad)
		if got := r.transitions(); len(got) != 0 {
			t.Fatalf("transitions before 10 s: %v", got)
		}
		// At 10 s: 100 events in the hour, 10 in the 5 minutes, all bad.
		r.traffic(time.Second, sli.Bad)
		x, ok := find(r.transitions(), budget.AlertFired, "page-1h")
		if want := r.start.Add(10 * time.Second); !ok || !x.Time.Equal(want) {
			t.Errorf("page-1h fired at %v (%v), want %v", x.Time, ok, want)
		}
	})
}
