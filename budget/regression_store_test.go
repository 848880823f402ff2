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
	store := &MemoryStore{}
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
	b1 := store.Bytes()
	st1, err := decodeState(b1)
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
		st2, err := decodeState(store.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		a, b := *prev, *st2
		a.taken, b.taken = 0, 0
		a.corrections, b.corrections = nil, nil
		for i := range a.objectives {
			if !reflect.DeepEqual(a.objectives[i], b.objectives[i]) {
				for j := range a.objectives[i].series {
					x, y := a.objectives[i].series[j], b.objectives[i].series[j]
					for k := range x.tiers {
						if !reflect.DeepEqual(x.tiers[k], y.tiers[k]) {
							t.Errorf("round %d: %s[%s] tier %d: %d buckets, want %d", round, a.objectives[i].name, x.group, k, len(y.tiers[k]), len(x.tiers[k]))
						}
					}
					x.tiers, y.tiers = [3][]bucketState{}, [3][]bucketState{}
					if !reflect.DeepEqual(x, y) {
						t.Errorf("round %d: %s[%s]:\n got %+v\nwant %+v", round, a.objectives[i].name, x.group, y, x)
					}
				}
			}
		}
		prev = st2
	}
}

// failingStore cannot read its state for a reason that says nothing about
// the state itself.
type failingStore struct{ setAside, saves int }

func (f *failingStore) Load() ([]byte, error)     { return nil, syscall.EMFILE }
func (f *failingStore) Save([]byte) error         { f.saves++; return nil }
func (f *failingStore) SetAside() (string, error) { f.setAside++; return "aside", nil }

// A state that could not be read (too many open files, permissions, I/O)
// may be perfectly good: it is neither set aside nor overwritten.
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
	if st.setAside != 0 || st.saves != 0 {
		t.Errorf("set aside %d times, saved %d times; want neither", st.setAside, st.saves)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "too many open files") {
		t.Errorf("log lacks the error:\n%s", log.String())
	}
}
