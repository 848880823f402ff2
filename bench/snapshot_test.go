package bench

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
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

// The state at scale (issue 13): n series, two objectives (availability
// and latency under 500 ms, 30-day windows) grouped by route over n/2
// routes, as in scale_test.go, whose windows are full: every bucket of
// every tier holds counts, as after a month of steady traffic.
//
//	go test -run '^$' -bench 'StateWritten|SaveRestore' -benchtime 1x -count 5 . | tee state.txt
//	benchstat state.txt

func scaleObjectives(n int) []sli.Objective {
	w := sli.Rolling(30 * 24 * time.Hour)
	return []sli.Objective{
		{Name: "availability", Target: 0.999, GroupBy: "route", MaxGroups: n / 2, Window: w},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 500 * time.Millisecond, GroupBy: "route", MaxGroups: n / 2, Window: w},
	}
}

// fullState is the state of scaleObjectives(n) at end, its windows full.
func fullState(n int, end time.Time) *state.State {
	rng := rand.New(rand.NewPCG(3, 4))
	widths := []time.Duration{10 * time.Second, 5 * time.Minute, 15 * time.Minute}
	lens := []int{2304, 912, 2880}
	st := &state.State{Taken: end, BucketWidths: widths}
	for _, o := range scaleObjectives(n) {
		so := state.Objective{Name: o.Name, Kind: o.Kind, Target: o.Target, Threshold: o.Threshold, Window: o.Window.String(), GroupBy: o.GroupBy}
		for r := range n / 2 {
			s := state.Series{Group: fmt.Sprintf("/api/v1/r%04d", r), Tiers: make([][]state.Bucket, 3)}
			for k, w := range widths {
				last := end.UnixNano() / int64(w)
				per := int64(w / (10 * time.Second))
				for b := last - int64(lens[k]) + 1; b <= last; b++ {
					x := state.Bucket{N: b, Good: per*1000 - rng.Int64N(per*10+1), Bad: rng.Int64N(per*2 + 1)}
					s.Tiers[k] = append(s.Tiers[k], x)
					if k == 2 {
						s.Good += x.Good
						s.Bad += x.Bad
					}
				}
			}
			if o.Kind == sli.Latency {
				last := end.UnixNano() / int64(5*time.Minute)
				for b := last - 12; b <= last; b++ {
					s.Latency = append(s.Latency, state.LatencySlot{N: b, Max: 900000, Counts: []state.HistogramCount{
						{Index: 300, Count: 20000 + rng.Int64N(100)}, {Index: 310, Count: 8000}, {Index: 320, Count: 1500}, {Index: 330, Count: 300}, {Index: 420, Count: 2}}})
				}
			}
			so.Series = append(so.Series, s)
		}
		st.Objectives = append(st.Objectives, so)
	}
	return st
}

// wholeStore saves the state whole at every save, as every store did before
// the log: a FileStore without its SaveChanges.
type wholeStore struct{ f *state.FileStore }

func (w wholeStore) Load() (*state.State, error) { return w.f.Load() }
func (w wholeStore) Save(st *state.State) error  { return w.f.Save(st) }

// logStore is a FileStore the tracker does not lock, so that a benchmark
// can restore from its file again and again.
type logStore struct{ f *state.FileStore }

func (l logStore) Load() (*state.State, error) { return l.f.Load() }
func (l logStore) Save(st *state.State) error  { return l.f.Save(st) }
func (l logStore) SaveChanges(st *state.State, ch *state.Changes) error {
	return l.f.SaveChanges(st, ch)
}

// scaleStateTracker writes fullState(n) to path and restores a tracker
// from it, saving to store(path).
func scaleStateTracker(b *testing.B, n int, path string, store func(string) state.Store) (*budget.Tracker, *budgettest.Clock) {
	b.Helper()
	end := benchStart.Add(30 * 24 * time.Hour)
	enc, err := fullState(n, end).AppendBinary(nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, enc, 0o600); err != nil {
		b.Fatal(err)
	}
	clk := budgettest.NewClock(end)
	tr, err := budget.New(scaleObjectives(n), budget.WithClock(clk.Now), budget.WithStore(store(path), 0), budget.WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	return tr, clk
}

// steadyInterval advances the clock by 10 s and records the interval's
// traffic into every series (about 100 calls, a few slow, one failure in
// five routes), evaluates the status as Run does, and saves.
func steadyInterval(b *testing.B, tr *budget.Tracker, clk *budgettest.Clock, i int) {
	at := clk.Advance(10 * time.Second).Add(-time.Second)
	for _, name := range []string{"availability", "latency"} {
		for j, s := range tr.SLO(name).AllSeries() {
			s.RecordN(sli.Event{Time: at, Outcome: sli.Good, Duration: 120 * time.Millisecond}, 95+int64((i+j)%7))
			s.RecordN(sli.Event{Time: at, Outcome: sli.Good, Duration: 700 * time.Millisecond}, 1+int64((i*j)%3))
			if j%5 == i%5 {
				s.Record(sli.Event{Time: at, Outcome: sli.Bad, Duration: 30 * time.Millisecond})
			}
		}
	}
	tr.Status()
	if err := tr.Snapshot(); err != nil {
		b.Fatal(err)
	}
}

// written follows what a FileStore writes: a base that replaced the last
// one counts whole, a log grown counts what it grew by.
type written struct {
	path  string
	base  os.FileInfo
	log   int64
	bytes int64
}

func (w *written) after(b *testing.B) {
	base, err := os.Stat(w.path)
	if err != nil {
		b.Fatal(err)
	}
	log := int64(0)
	if fi, err := os.Stat(w.path + ".log"); err == nil {
		log = fi.Size()
	}
	if w.base == nil || !os.SameFile(w.base, base) {
		w.bytes += base.Size() + log // a new base, and the log begun after it
	} else {
		w.bytes += log - w.log
	}
	w.base, w.log = base, log
}

// BenchmarkStateWritten: the bytes a FileStore writes per 10-second
// interval for the 400-series service at steady traffic, averaged over an
// hour of intervals (a fake clock): "whole" saves the whole state each
// time (as before the log), "log" appends what changed and compacts. One
// op is the simulated hour.
func BenchmarkStateWritten(b *testing.B) {
	const n, intervals = 400, 360
	for _, mode := range []string{"whole", "log"} {
		b.Run(mode, func(b *testing.B) {
			var kb float64
			for range b.N {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "errbudget.state")
				tr, clk := scaleStateTracker(b, n, path, func(p string) state.Store {
					if mode == "whole" {
						return wholeStore{state.NewFileStore(p)}
					}
					return logStore{state.NewFileStore(p)}
				})
				steadyInterval(b, tr, clk, 0) // the first save after a restore is whole
				w := &written{path: path}
				w.after(b)
				w.bytes = 0
				b.StartTimer()
				for i := range intervals {
					steadyInterval(b, tr, clk, i+1)
					w.after(b)
				}
				kb = float64(w.bytes) / intervals / 1024
			}
			b.ReportMetric(kb, "KB/interval")
		})
	}
}

// BenchmarkSaveRestore: restoring 1,000 series (New reading the file)
// against saving them whole (Snapshot: capture, encode, temporary file,
// fsync, rename, directory fsync), same state, same run. "base" restores
// from a base alone; "base+log" from a base and a log of 10-second
// intervals just short of compaction (half the base), the most a restore
// reads. x-save is restore time over save time.
func BenchmarkSaveRestore(b *testing.B) {
	const n = 1000
	for _, mode := range []string{"base", "base+log"} {
		b.Run(mode, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "errbudget.state")
			tr, clk := scaleStateTracker(b, n, path, func(p string) state.Store { return logStore{state.NewFileStore(p)} })
			steadyInterval(b, tr, clk, 0) // a base
			if mode == "base+log" {
				base, _ := os.Stat(path)
				for i := 1; ; i++ {
					steadyInterval(b, tr, clk, i)
					fi, err := os.Stat(path + ".log")
					if err != nil {
						b.Fatal("compacted before the log grew to a third of the base")
					}
					if fi.Size() > base.Size()/3 {
						break
					}
				}
			}
			objs := scaleObjectives(n)
			runtime.GC()
			b.ResetTimer()
			for range b.N {
				if _, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(logStore{state.NewFileStore(path)}, 0), budget.WithLogger(quiet)); err != nil {
					b.Fatal(err)
				}
			}
			restore := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.StopTimer()
			// The same state saved whole, as many times.
			save := wholeStore{state.NewFileStore(filepath.Join(b.TempDir(), "errbudget.state"))}
			saver, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(&loadFrom{Store: save, from: logStore{state.NewFileStore(path)}}, 0), budget.WithLogger(quiet))
			if err != nil {
				b.Fatal(err)
			}
			if err := saver.Snapshot(); err != nil { // the first capture sizes the tracker's copy
				b.Fatal(err)
			}
			runtime.GC()
			start := time.Now()
			for range b.N {
				if err := saver.Snapshot(); err != nil {
					b.Fatal(err)
				}
			}
			ns := float64(time.Since(start).Nanoseconds()) / float64(b.N)
			b.ReportMetric(ns, "save-ns/op")
			b.ReportMetric(restore/ns, "x-save")
		})
	}
}
