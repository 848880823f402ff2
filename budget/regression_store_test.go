package budget

import (
	"bytes"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

func reviewObjectives() []sli.Objective {
	return []sli.Objective{
		{Name: "api", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
		{Name: "lat", Kind: sli.Latency, Threshold: 100 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 2},
		{Name: "month", Target: 0.995, Window: sli.CalendarMonth("Asia/Kathmandu")},
	}
}

// TestRegressionRestoreSnapshotRestoreIdentical: a snapshot of a tracker just
// restored is the snapshot it was restored from (but for when it was
// taken), and so on again.
func TestRegressionRestoreSnapshotRestoreIdentical(t *testing.T) {
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	store := &state.MemoryStore{}
	tr, err := New(reviewObjectives(), WithClock(clock), WithStore(store, 0), WithLogger(discard))
	if err != nil {
		t.Fatal(err)
	}
	start := now
	for i := range 40000 {
		at := start.Add(time.Duration(i) * 7 * time.Second)
		set(at)
		out := sli.Good
		if i%97 == 0 || (i > 38000 && i%3 == 0) {
			out = sli.Bad
		}
		api, _ := tr.Series("api", "")
		mon, _ := tr.Series("month", "")
		api.Record(sli.Event{Time: at, Outcome: out})
		mon.Record(sli.Event{Time: at, Outcome: out})
		for _, g := range []string{"a", "b", "c"} {
			s, _ := tr.Series("lat", g)
			s.Record(sli.Event{Time: at, Outcome: sli.Good, Duration: time.Duration(i%300) * time.Millisecond})
		}
		if i%5000 == 0 {
			tr.Status()
		}
	}
	tr.AddCorrection(Correction{Start: start.Add(time.Hour), End: start.Add(2 * time.Hour), Reason: "x"})
	tr.Status()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	st1, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	var prev = st1
	for round := range 3 {
		set(now.Add(time.Second))
		tr2, err := New(reviewObjectives(), WithClock(clock), WithStore(store, 0), WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		if err := tr2.Snapshot(); err != nil {
			t.Fatal(err)
		}
		st2, err := store.Load()
		if err != nil {
			t.Fatal(err)
		}
		a, b := *prev, *st2
		a.Taken, b.Taken = time.Time{}, time.Time{}
		a.Corrections, b.Corrections = nil, nil
		for i := range a.Objectives {
			if !reflect.DeepEqual(a.Objectives[i], b.Objectives[i]) {
				for j := range a.Objectives[i].Series {
					x, y := a.Objectives[i].Series[j], b.Objectives[i].Series[j]
					for k := range x.Tiers {
						if !reflect.DeepEqual(x.Tiers[k], y.Tiers[k]) {
							t.Errorf("round %d: %s[%s] tier %d: %d buckets, want %d", round, a.Objectives[i].Name, x.Group, k, len(y.Tiers[k]), len(x.Tiers[k]))
						}
					}
					x.Tiers, y.Tiers = nil, nil
					if !reflect.DeepEqual(x, y) {
						t.Errorf("round %d: %s[%s]:\n got %+v\nwant %+v", round, a.Objectives[i].Name, x.Group, y, x)
					}
				}
			}
		}
		prev = st2
	}
}

// failingStore cannot read its state for a reason that says nothing about
// the state itself.
type failingStore struct{ saves int }

func (f *failingStore) Load() (*state.State, error) { return nil, syscall.EMFILE }
func (f *failingStore) Save(*state.State) error     { f.saves++; return nil }

// A state that could not be read (too many open files, permissions, I/O)
// may be perfectly good: it is not overwritten.
func TestRegressionUnreadableStateIsLeftAlone(t *testing.T) {
	var log bytes.Buffer
	st := &failingStore{}
	tr, err := New([]sli.Objective{{Name: "api", Target: 0.999}},
		WithStore(st, time.Second), WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Snapshot(); err == nil {
		t.Error("Snapshot saved over a state that could not be read")
	}
	tr.Close()
	if st.saves != 0 {
		t.Errorf("saved %d times over it", st.saves)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "too many open files") {
		t.Errorf("log lacks the error:\n%s", log.String())
	}
}
