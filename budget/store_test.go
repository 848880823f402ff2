package budget_test

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// persisted returns objectives that exercise every part of a snapshot: an
// availability objective, a grouped latency objective, a calendar one.
func persisted() []sli.Objective {
	return []sli.Objective{
		{Name: "api", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
		{Name: "chat-latency", Kind: sli.Latency, Threshold: 300 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 3},
		{Name: "monthly", Target: 0.995, Window: sli.CalendarMonth("Europe/Berlin")},
	}
}

// workload records two days of traffic with an outage at the end, so that
// alerts fire and the policy moves, into every series of persisted().
func workload(t *testing.T, tr *budget.Tracker, clk *budgettest.Clock) {
	t.Helper()
	api, _ := tr.Series("api", "")
	monthly, _ := tr.Series("monthly", "")
	set := budget.Set{api, monthly}
	each(clk, budgettest.Traffic{Rate: 2}, 47*time.Hour, api, monthly)
	each(clk, budgettest.Traffic{Rate: 2, ErrorRatio: 0.02}, time.Hour, api, monthly)
	for _, m := range []string{"small", "large"} {
		s, _ := tr.Series("chat-latency", m)
		budgettest.Traffic{Rate: 1, Latency: 120 * time.Millisecond}.Run(clk, s, time.Hour)
		budgettest.Traffic{Rate: 1, Latency: 900 * time.Millisecond}.Run(clk, s, 10*time.Minute)
	}
	budgettest.Traffic{Rate: 5, ErrorRatio: 0.5}.Run(clk, set, 20*time.Minute)
	tr.Status() // evaluate alerts and policy: they are part of the state
}

// each runs the same traffic into every series, from the same instant (the
// batched path of Traffic.Run needs one series at a time).
func each(clk *budgettest.Clock, tf budgettest.Traffic, d time.Duration, series ...*budget.Series) {
	start := clk.Now()
	for _, s := range series {
		clk.Set(start)
		tf.Run(clk, s, d)
	}
}

// summary strips what legitimately differs between two trackers.
func summary(sts []budget.Status) []budget.Status {
	out := make([]budget.Status, len(sts))
	for i, st := range sts {
		st.Objective.Include, st.Objective.Classify = nil, nil
		st.Alerts = append([]budget.Alert(nil), st.Alerts...)
		for j := range st.Alerts {
			st.Alerts[j].Since = st.Alerts[j].Since.UTC()
		}
		out[i] = st
	}
	return out
}

func TestRestoreRoundTrip(t *testing.T) {
	clk := budgettest.NewClock(t0)
	store := &state.MemoryStore{}
	tr, err := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(store, 0))
	if err != nil {
		t.Fatal(err)
	}
	workload(t, tr, clk)
	if err := tr.AddCorrection(budget.Correction{Start: clk.Now().Add(time.Hour), End: clk.Now().Add(2 * time.Hour), Reason: "deploy"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second)
	want := summary(tr.Status())
	if len(want[0].Firing()) == 0 || want[0].PolicyState == budget.Healthy {
		t.Fatalf("the workload should fire alerts and move the policy: %+v", want[0].Alerts)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Snapshot(); !errors.Is(err, budget.ErrClosed) {
		t.Errorf("Snapshot after Close = %v, want ErrClosed", err)
	}
	wantPast, wantFuture := tr.Dropped()

	var logs logBuffer
	var transitions atomic.Int64
	tr2, err := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(store, 0), budget.WithLogger(logs.logger()),
		budget.OnTransition(func(budget.Transition) { transitions.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	got := summary(tr2.Status())
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			g, w := reflect.ValueOf(got[i]), reflect.ValueOf(want[i])
			for f := range g.NumField() {
				if !reflect.DeepEqual(g.Field(f).Interface(), w.Field(f).Interface()) {
					t.Errorf("status %d after restore: %s = %+v, want %+v", i, g.Type().Field(f).Name, g.Field(f), w.Field(f))
				}
			}
		}
	}
	if n := transitions.Load(); n != 0 {
		t.Errorf("%d transitions after restore; firing alerts and the policy state should carry over", n)
	}
	for _, slo := range tr.SLOs() {
		for _, s := range slo.AllSeries() {
			s2, _ := tr2.Series(slo.Objective().Name, s.Group())
			g, b := s.Lifetime()
			g2, b2 := s2.Lifetime()
			if g != g2 || b != b2 {
				t.Errorf("%s[%s] lifetime %d/%d, want %d/%d", slo.Objective().Name, s.Group(), g2, b2, g, b)
			}
		}
	}
	if p, f := tr2.Dropped(); p != wantPast || f != wantFuture {
		t.Errorf("dropped %d/%d, want %d/%d", p, f, wantPast, wantFuture)
	}
	if !reflect.DeepEqual(tr2.Corrections(), tr.Corrections()) {
		t.Errorf("corrections %+v, want %+v", tr2.Corrections(), tr.Corrections())
	}
	if !strings.Contains(logs.String(), "restoring saved state") {
		t.Errorf("no restore log line:\n%s", logs.String())
	}
}

func TestRestoreEmptyStore(t *testing.T) {
	var logs logBuffer
	clk := budgettest.NewClock(t0)
	tr, err := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(&state.MemoryStore{}, 0), budget.WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	if st := tr.Status(); st[0].Total() != 0 {
		t.Errorf("fresh tracker has %d events", st[0].Total())
	}
	if !strings.Contains(logs.String(), "no saved state") {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestNoStore(t *testing.T) {
	tr, err := budget.New(persisted(), budget.WithStore(nil, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Snapshot(); err == nil {
		t.Error("Snapshot without a store succeeded")
	}
	if err := tr.Close(); err != nil {
		t.Errorf("Close without a store: %v", err)
	}
}

// TestDeclarationChanges restores a state into changed declarations.
func TestDeclarationChanges(t *testing.T) {
	clk := budgettest.NewClock(t0)
	store := &state.MemoryStore{}
	old := []sli.Objective{
		{Name: "kept", Target: 0.999},
		{Name: "removed", Target: 0.999},
		{Name: "retarget", Target: 0.99},
		{Name: "shrunk", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
		{Name: "grouped", Target: 0.999, GroupBy: "route", MaxGroups: 3},
		{Name: "ungroup", Target: 0.999, GroupBy: "route"},
		{Name: "regroup", Target: 0.999},
	}
	tr, err := budget.New(old, budget.WithClock(clk.Now), budget.WithStore(store, 0))
	if err != nil {
		t.Fatal(err)
	}
	var all budget.Set
	for _, o := range old {
		if o.GroupBy == "" {
			s, _ := tr.Series(o.Name, "")
			all = append(all, s)
		}
	}
	// Ten days at one call a second, then one day at two calls a second,
	// with a bad hour.
	each(clk, budgettest.Traffic{Rate: 1}, 10*24*time.Hour, all...)
	each(clk, budgettest.Traffic{Rate: 2, ErrorRatio: 0.01}, time.Hour, all...)
	each(clk, budgettest.Traffic{Rate: 2}, 23*time.Hour, all...)
	for _, o := range []string{"grouped", "ungroup"} {
		for i, g := range []string{"a", "b", "c"} {
			s, _ := tr.Series(o, g)
			budgettest.Traffic{Rate: float64(i + 1)}.Run(clk, s, time.Hour)
		}
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	before := map[string]budget.Status{}
	for _, st := range tr.Status() {
		before[st.Objective.Name+"/"+st.Group] = st
	}

	changed := []sli.Objective{
		{Name: "kept", Target: 0.999},
		{Name: "added", Target: 0.999},
		{Name: "retarget", Target: 0.999},
		{Name: "shrunk", Target: 0.999, Window: sli.Rolling(7 * 24 * time.Hour)},
		{Name: "grouped", Target: 0.999, GroupBy: "route", MaxGroups: 2},
		{Name: "ungroup", Target: 0.999},
		{Name: "regroup", Target: 0.999, GroupBy: "route"},
	}
	var logs logBuffer
	tr2, err := budget.New(changed, budget.WithClock(clk.Now), budget.WithStore(store, 0), budget.WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]budget.Status{}
	for _, st := range tr2.Status() {
		after[st.Objective.Name+"/"+st.Group] = st
	}
	counts := func(st budget.Status) [2]int64 { return [2]int64{st.Good, st.Bad} }

	if counts(after["kept/"]) != counts(before["kept/"]) {
		t.Errorf("kept: %v, want %v", counts(after["kept/"]), counts(before["kept/"]))
	}
	if _, ok := after["removed/"]; ok {
		t.Error("a removed objective came back")
	}
	if st := after["added/"]; st.Total() != 0 {
		t.Errorf("added objective starts with %d events", st.Total())
	}
	// The target changed: same counts, budget recomputed.
	rb, ra := before["retarget/"], after["retarget/"]
	if counts(ra) != counts(rb) {
		t.Errorf("retarget: counts %v, want %v", counts(ra), counts(rb))
	}
	if want := budget.BurnRate(rb.Good, rb.Bad, 0.999); ra.Consumed != want || ra.Consumed == rb.Consumed {
		t.Errorf("retarget: consumed %v, want %v (was %v)", ra.Consumed, want, rb.Consumed)
	}
	// The window shrank to 7 days: six idle hours (the grouped traffic), a
	// day at 2/s and the rest at 1/s, give or take a coarse bucket at the
	// window's start edge.
	sh := after["shrunk/"]
	want := int64(24*3600*2 + (6*24-6)*3600)
	if d := sh.Total() - want; d < 0 || d > 15*60 {
		t.Errorf("shrunk: %d events in the new window, want %d (+ at most a 15-minute bucket)", sh.Total(), want)
	}
	// Beyond the lowered cap, group c joins the overflow group.
	if _, ok := after["grouped/c"]; ok {
		t.Error("grouped: c survived a cap of 2")
	}
	if got, want := after["grouped/"+sli.OverflowGroup].Good, before["grouped/c"].Good; got != want {
		t.Errorf("grouped: overflow holds %d, want c's %d", got, want)
	}
	// Ungrouped now: groups merge.
	if got, want := after["ungroup/"].Good, before["ungroup/a"].Good+before["ungroup/b"].Good+before["ungroup/c"].Good; got != want {
		t.Errorf("ungroup: %d, want the sum %d", got, want)
	}
	// Grouped now: the old aggregate cannot be attributed and is dropped.
	for k, st := range after {
		if strings.HasPrefix(k, "regroup/") {
			t.Errorf("regroup: series %q with %d events", k, st.Total())
		}
	}
	for _, line := range []string{
		`objective no longer declared; its saved state is dropped" slo=removed`,
		`objective has no saved state; it starts empty" slo=added`,
		`target changed; counts kept, budget recomputed" slo=retarget from=0.99 to=0.999`,
		`window changed; counts outside the new window dropped" slo=shrunk`,
		`group beyond the objective's MaxGroups; its counts join the overflow group" slo=grouped group=c`,
		`grouping changed" slo=ungroup`,
		`objective is now grouped`,
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("no log line %q in:\n%s", line, logs.String())
		}
	}
}

// blockingStore parks Save halfway through writing, until released.
type blockingStore struct {
	state.MemoryStore
	parked  chan struct{}
	release chan struct{}
	written atomic.Int64
}

func (b *blockingStore) Save(st *state.State) error {
	p, err := st.AppendBinary(nil)
	b.written.Store(int64(len(p) / 2))
	close(b.parked)
	<-b.release
	if err != nil {
		return err
	}
	return b.MemoryStore.Save(st)
}

// SaveChanges parks as Save does (the tracker calls it on a ChangeSaver).
func (b *blockingStore) SaveChanges(st *state.State, _ *state.Changes) error { return b.Save(st) }

// TestSnapshotDoesNotStallRecording parks the snapshot writer in the middle
// of a write and shows that recording (bucket rotations and late events
// included), the status and new groups all proceed.
func TestSnapshotDoesNotStallRecording(t *testing.T) {
	clk := budgettest.NewClock(t0)
	store := &blockingStore{parked: make(chan struct{}), release: make(chan struct{})}
	tr, err := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(store, 0))
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 2000
	api, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, api, time.Hour)
	clk.Advance(time.Duration(each/100) * 10 * time.Second) // keep the writers' events within a minute of the clock

	done := make(chan error)
	go func() { done <- tr.Snapshot() }()
	<-store.parked
	if store.written.Load() == 0 {
		t.Fatal("the writer parked before writing")
	}

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := tr.Series("chat-latency", []string{"a", "b", "c", "d"}[w])
			base := t0.Add(time.Hour)
			for i := range each {
				// Every 100th event opens a new 10-second bucket, which takes
				// the series' mutex; every 7th is late.
				at := base.Add(time.Duration(i/100) * 10 * time.Second)
				if i%7 == 0 {
					at = at.Add(-time.Minute)
				}
				s.Record(sli.Event{Time: at, Duration: time.Millisecond, Outcome: sli.Good})
				api.Record(sli.Event{Time: at, Outcome: sli.Good})
			}
		}()
	}
	// Recording that stalls behind the parked writer never finishes: the
	// test fails at go test's -timeout, which names it and prints where the
	// writers wait. No margin of our own to miss on a loaded machine.
	wg.Wait()
	st := tr.Status()
	var total int64
	for _, x := range st {
		if x.Objective.Name == "chat-latency" {
			total += x.Total()
		}
	}
	if total != writers*each {
		t.Errorf("recorded %d latency events while the writer was parked, want %d", total, writers*each)
	}
	select {
	case err := <-done:
		t.Fatalf("Snapshot returned while parked: %v", err)
	default:
	}
	close(store.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(); err != nil {
		t.Fatalf("nothing saved: %v", err)
	}
}

// TestBadStateFile: each kind of unreadable file starts the tracker fresh,
// logs an error, and keeps the bad file (set aside, or in place when it
// cannot be moved).
func TestBadStateFile(t *testing.T) {
	clk := budgettest.NewClock(t0)
	good := func(t *testing.T) []byte {
		path := filepath.Join(t.TempDir(), "good.state")
		tr, _ := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path), 0))
		workload(t, tr, budgettest.NewClock(t0))
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}(t)
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x20
		return b
	}
	future := bytes.Clone(good)
	future[9]++ // the major format version: refused, but left in place
	cases := []struct {
		name     string
		content  []byte
		dir      bool
		wantLog  string
		setAside bool
	}{
		{"truncated", good[:len(good)/2], false, "truncated", true},
		{"truncated header", good[:10], false, "truncated", true},
		{"flipped payload byte", flip(len(good) / 2), false, "checksum mismatch", true},
		{"flipped checksum byte", flip(len(good) - 1), false, "checksum mismatch", true},
		{"flipped length byte", flip(19), false, "does not match", true},
		{"future major version", future, false, "newer than this build reads", false},
		{"empty", []byte{}, false, "empty", true},
		{"not a snapshot", []byte(`{"objectives": []}`), false, "not an errbudget snapshot", true},
		{"directory", nil, true, "is a directory", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "errbudget.state")
			if c.dir {
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
			var logs logBuffer
			tr, err := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path), 0), budget.WithLogger(logs.logger()))
			if err != nil {
				t.Fatalf("New failed on a bad state file: %v", err)
			}
			if st := tr.Status(); st[0].Total() != 0 || st[0].PolicyState != budget.Healthy {
				t.Errorf("did not start fresh: %d events", st[0].Total())
			}
			l := logs.String()
			if !strings.Contains(l, "level=ERROR") || !strings.Contains(l, c.wantLog) {
				t.Errorf("log lacks an error mentioning %q:\n%s", c.wantLog, l)
			}
			aside, _ := filepath.Glob(path + ".bad-*")
			if !c.setAside {
				if fi, err := os.Stat(path); err != nil || fi.IsDir() != c.dir || len(aside) != 0 {
					t.Errorf("the file should stay in place: %v, %v", err, aside)
				}
				if err := tr.Close(); err == nil {
					t.Error("Close saved over the file left in place")
				}
				if b, _ := os.ReadFile(path); !c.dir && !bytes.Equal(b, c.content) {
					t.Error("the file left in place changed")
				}
				return
			}
			if len(aside) != 1 {
				t.Fatalf("set aside: %v, want one file", aside)
			}
			if b, _ := os.ReadFile(aside[0]); !bytes.Equal(b, c.content) {
				t.Error("the file set aside differs from the bad file")
			}
			if !strings.Contains(l, aside[0]) {
				t.Errorf("log does not say where the file went:\n%s", l)
			}
			// The tracker saves afresh, and the next start restores that.
			api, _ := tr.Series("api", "")
			api.Record(sli.Event{Time: clk.Now(), Outcome: sli.Good})
			if err := tr.Close(); err != nil {
				t.Fatal(err)
			}
			tr2, _ := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path), 0), budget.WithLogger(logs.logger()))
			if st := tr2.Status(); st[0].Total() != 1 {
				t.Errorf("after a fresh save: %d events, want 1", st[0].Total())
			}
		})
	}
}

// failingStore fails to save while fail is set.
type failingStore struct {
	state.MemoryStore
	fail atomic.Bool
}

func (f *failingStore) Save(st *state.State) error {
	if f.fail.Load() {
		return errors.New("disk full")
	}
	return f.MemoryStore.Save(st)
}

// SaveChanges fails as Save does; after a failure the tracker sends no
// changes, and the store saves the state whole.
func (f *failingStore) SaveChanges(st *state.State, ch *state.Changes) error {
	if f.fail.Load() {
		return errors.New("disk full")
	}
	return f.MemoryStore.SaveChanges(st, ch)
}

func TestSaveFailureIsLoggedAndRetried(t *testing.T) {
	s := &failingStore{}
	s.fail.Store(true)
	var logs logBuffer
	tr, _ := budget.New(persisted(), budget.WithStore(s, 0), budget.WithLogger(logs.logger()))
	if err := tr.Snapshot(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Snapshot = %v", err)
	}
	s.fail.Store(false)
	if err := tr.Snapshot(); err != nil {
		t.Fatal(err)
	}
	l := logs.String()
	if !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "disk full") || !strings.Contains(l, "works again") {
		t.Errorf("log:\n%s", l)
	}
}
