package bench

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// BenchmarkSnapshot measures one snapshot of 50 objectives (40 availability,
// 10 latency) whose 30-day windows are full: every bucket of every tier
// holds counts, as after a month of steady traffic at about 100 calls a
// second with a few errors. "encode" saves to a store that keeps nothing
// (the cost of copying under the series' locks and encoding); "file" saves
// to a FileStore (temporary file, fsync, rename, directory fsync).
// B/snapshot is the size of one snapshot.
func BenchmarkSnapshot(b *testing.B) {
	for _, bc := range []struct {
		name  string
		store func(b *testing.B) state.Store
	}{
		{"encode", func(*testing.B) state.Store { return &discardStore{} }},
		{"file", func(b *testing.B) state.Store {
			return state.NewFileStore(filepath.Join(b.TempDir(), "errbudget.state"))
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			tr := snapshotTracker(b, bc.store(b))
			b.ResetTimer()
			for range b.N {
				if err := tr.Snapshot(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(snapshotSize(b), "B/snapshot")
		})
	}
}

// BenchmarkRestore measures New restoring the same 50 objectives.
func BenchmarkRestore(b *testing.B) {
	b.ReportAllocs()
	mem := &state.MemoryStore{}
	tr := snapshotTracker(b, mem)
	if err := tr.Snapshot(); err != nil {
		b.Fatal(err)
	}
	objs := tr.Objectives()
	clk := budgettest.NewClock(tr.Now())
	b.ResetTimer()
	for range b.N {
		if _, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(mem, 0), budget.WithLogger(quiet)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(snapshotSize(b), "B/snapshot")
}

// snapshotSize is the size of the 50 objectives' snapshot.
func snapshotSize(b *testing.B) float64 {
	st, err := snapFill.Load()
	if err != nil {
		b.Fatal(err)
	}
	enc, err := st.AppendBinary(nil)
	if err != nil {
		b.Fatal(err)
	}
	return float64(len(enc))
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// discardStore encodes each state and keeps nothing.
type discardStore struct{ buf []byte }

func (*discardStore) Load() (*state.State, error) { return nil, state.ErrNotFound }
func (d *discardStore) Save(st *state.State) (err error) {
	d.buf, err = st.AppendBinary(d.buf[:0])
	return err
}

var (
	snapFillOnce sync.Once
	snapFill     *state.MemoryStore
	snapObjs     []sli.Objective
	snapEnd      time.Time
)

// snapshotTracker returns a tracker with the 50 full objectives, restored
// from a state filled once per process (filling takes about a second), and
// saving to store.
func snapshotTracker(b *testing.B, store state.Store) *budget.Tracker {
	b.Helper()
	snapFillOnce.Do(func() { snapFill, snapObjs, snapEnd = fillFifty(b) })
	clk := budgettest.NewClock(snapEnd)
	tr, err := budget.New(snapObjs, budget.WithClock(clk.Now), budget.WithStore(&loadFrom{Store: store, from: snapFill}, 0), budget.WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// loadFrom loads from one store and saves to another.
type loadFrom struct {
	state.Store
	from state.Store
}

func (l *loadFrom) Load() (*state.State, error) { return l.from.Load() }

func fillFifty(b *testing.B) (*state.MemoryStore, []sli.Objective, time.Time) {
	const window = 30 * 24 * time.Hour
	var objs []sli.Objective
	for i := range 50 {
		o := sli.Objective{Name: fmt.Sprintf("objective-%02d", i), Target: 0.999, Window: sli.Rolling(window)}
		if i >= 40 {
			o.Kind, o.Threshold, o.Target = sli.Latency, 300*time.Millisecond, 0.99
		}
		objs = append(objs, o)
	}
	end := benchStart.Add(window)
	clk := budgettest.NewClock(end)
	store := &state.MemoryStore{}
	tr, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(store, 0), budget.WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fineFrom := end.Add(-7 * time.Hour)
	for _, o := range objs {
		s, _ := tr.Series(o.Name, "")
		// A minute at a time for the older part (every medium and coarse
		// bucket gets counts), ten seconds at a time for the last hours
		// (every fine bucket does).
		step, n := time.Minute, int64(6000)
		for at := benchStart.Add(step); !at.After(end); at = at.Add(step) {
			if !at.Before(fineFrom) {
				step, n = 10*time.Second, 1000
			}
			good := n - n/32 + rng.Int64N(n/16)
			e := sli.Event{Time: at, Outcome: sli.Good, Duration: 80 * time.Millisecond}
			s.RecordN(e, good)
			if bad := rng.Int64N(3); bad > 0 {
				// Failed calls for availability; slow successful ones, bad
				// for latency.
				e.Duration = 900 * time.Millisecond
				if o.Kind == sli.Availability {
					e.Outcome = sli.Bad
				}
				s.RecordN(e, bad)
			}
		}
	}
	if err := tr.Snapshot(); err != nil {
		b.Fatal(err)
	}
	return store, objs, end
}
