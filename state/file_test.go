package state_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// The edges of the state file (issue 10, item 11): its size and header, a
// symlinked path, two trackers on one file, the snapshot interval.

// TestRegressionSnapshotIntervalBelowOneSecond: New rejects a snapshot
// interval below MinSnapshotInterval, with every other problem; zero still
// means the default.
func TestRegressionSnapshotIntervalBelowOneSecond(t *testing.T) {
	objs := []sli.Objective{{Name: "api", Target: 0.999}}
	for _, d := range []time.Duration{time.Nanosecond, 50 * time.Millisecond, time.Second - 1, -time.Second} {
		_, err := budget.New(objs, budget.WithStore(&state.MemoryStore{}, d))
		if err == nil {
			t.Errorf("WithStore(_, %v): New succeeded", d)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "snapshot interval") || !strings.Contains(msg, d.String()) || !strings.Contains(msg, "1s") {
			t.Errorf("WithStore(_, %v): error %q does not name the interval and the minimum", d, msg)
		}
	}
	// Listed with the other configuration errors.
	_, err := budget.New([]sli.Objective{{Name: "api", Target: 2}}, budget.WithStore(&state.MemoryStore{}, time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "snapshot interval") || !strings.Contains(err.Error(), "target") {
		t.Errorf("New = %v, want both the target and the interval named", err)
	}
	for _, d := range []time.Duration{0, budget.MinSnapshotInterval, time.Minute} {
		if _, err := budget.New(objs, budget.WithStore(&state.MemoryStore{}, d)); err != nil {
			t.Errorf("WithStore(_, %v): %v", d, err)
		}
	}
}

// sparseFile makes a file of size bytes at path that starts with head and
// takes no disk space beyond it.
func sparseFile(t *testing.T, path string, head []byte, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(head); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Skipf("cannot make a %d-byte sparse file here: %v", size, err)
	}
}

// snapshotHeader is a snapshot's first 20 bytes claiming a payload of n
// bytes (see the format in codec.go).
func snapshotHeader(n uint64) []byte {
	h := []byte("errbudg\x00")
	h = binary.BigEndian.AppendUint32(h, 1)
	return binary.BigEndian.AppendUint64(h, n)
}

// TestRegressionHugeStateFileNotRead: a 1 GiB file is refused from its
// header and its size, without reading it: Load allocates a few bytes, not
// a gigabyte (it read the whole file before).
func TestRegressionHugeStateFileNotRead(t *testing.T) {
	const size = 1 << 30
	cases := []struct {
		name, want string
		head       []byte
		size       int64
	}{
		{"not a snapshot", "not an errbudget snapshot", []byte("this is somebody else's file\n"), size},
		{"header claims less", "does not match", snapshotHeader(100), size},
		{"header claims more", "does not match", snapshotHeader(1 << 40), size},
		{"future major version", "newer than this build reads", append(append([]byte("errbudg\x00"), 0, 1, 0, 1), make([]byte, 8)...), size},
		{"header agrees, beyond the bound", "too large", snapshotHeader(size + 1), size + 25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "errbudget.state")
			sparseFile(t, path, c.head, c.size)
			store := state.NewFileStore(path)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := store.Load()
			runtime.ReadMemStats(&after)
			// A newer major version is refused but left in place.
			if err == nil || errors.Is(err, state.ErrCorrupt) == strings.Contains(c.name, "future") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load = %v; want ErrCorrupt (but for a newer major version) saying %q", err, c.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("Load allocated %d bytes for a refused %d-byte file", alloc, c.size)
			}
		})
	}
}

// TestHugeStateFileSetAside: the tracker sets a huge non-snapshot file aside
// and starts fresh, as with any unreadable state.
func TestHugeStateFileSetAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "errbudget.state")
	sparseFile(t, path, []byte("not ours"), 1<<30)
	var logs logBuffer
	tr, err := budget.New(persisted(), budget.WithStore(state.NewFileStore(path), 0), budget.WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if aside, _ := filepath.Glob(path + ".bad-*"); len(aside) != 1 || !strings.Contains(logs.String(), "not an errbudget snapshot") {
		t.Errorf("set aside %v; log:\n%s", aside, logs.String())
	}
}

// symlink makes link point at target, or skips where the platform cannot.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
}

func assertSymlink(t *testing.T, link, target string) {
	t.Helper()
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symbolic link: %v, %v", link, fi.Mode(), err)
	}
	if got, _ := os.Readlink(link); got != target {
		t.Fatalf("%s points at %s, want %s", link, got, target)
	}
}

// TestRegressionSymlinkedStatePath: a state path that is a symbolic link
// stays one: saves go through to its target (the rename replaced the link
// with a plain file before), an absent target is created, and a bad target
// is set aside with the link kept.
func TestRegressionSymlinkedStatePath(t *testing.T) {
	clk := budgettest.NewClock(t0)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "errbudget.state")
	rel := filepath.Join("data", "real.state") // relative to the link's directory
	target := filepath.Join(dir, rel)
	symlink(t, rel, link)

	run := func(events int) int64 {
		t.Helper()
		tr, err := budget.New(persisted(), budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(link), 0))
		if err != nil {
			t.Fatal(err)
		}
		api, _ := tr.Series("api", "")
		restored := tr.Status()[0].Total()
		api.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, int64(events))
		if err := tr.Close(); err != nil {
			t.Fatal(err)
		}
		assertSymlink(t, link, rel)
		return restored
	}
	// The target does not exist yet: the first save creates it.
	run(100)
	if fi, err := os.Lstat(target); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("target %s: %v, %v", target, fi, err)
	}
	if got := run(40); got != 100 {
		t.Errorf("second run restored %d events, want 100", got)
	}
	if got := run(0); got != 140 {
		t.Errorf("third run restored %d events, want 140", got)
	}
	// No temporary file anywhere: they went beside the target.
	for _, d := range []string{dir, filepath.Join(dir, "data")} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("left behind: %s", filepath.Join(d, e.Name()))
			}
		}
	}

	// A damaged target is set aside beside itself; the link stays and the
	// next save writes through it again.
	if err := os.WriteFile(target, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := run(7); got != 0 {
		t.Errorf("restored %d events from a damaged file", got)
	}
	if aside, _ := filepath.Glob(target + ".bad-*"); len(aside) != 1 {
		t.Errorf("set aside beside the target: %v", aside)
	}
	if got := run(0); got != 7 {
		t.Errorf("after the set-aside: restored %d events, want 7", got)
	}
}

// TestRegressionTwoTrackersOnOneFile: two trackers on one state file lost
// the first one's counts (100 + 40 restored as 40). The second New waits
// for the file, then fails naming it and the holder's pid; once the first
// is closed, a new tracker starts and finds all its counts.
func TestRegressionTwoTrackersOnOneFile(t *testing.T) {
	clk := budgettest.NewClock(t0)
	path := filepath.Join(t.TempDir(), "errbudget.state")
	objs := []sli.Objective{{Name: "api", Target: 0.999}}
	first, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path), 0))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := first.Series("api", "")
	api.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 100)
	if err := first.Snapshot(); err != nil {
		t.Fatal(err)
	}

	second, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path, state.WithLockWait(30*time.Millisecond)), 0))
	if err == nil {
		s, _ := second.Series("api", "")
		s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 40)
		second.Close()
		first.Close()
		third, _ := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path), 0))
		t.Fatalf("a second tracker started on a held file; a third restored %d events of 140", third.Status()[0].Total())
	}
	if !errors.Is(err, state.ErrInUse) {
		t.Errorf("error %v does not wrap ErrInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("error %q does not name the file and the holder's pid %d", msg, os.Getpid())
	}

	// The same FileStore cannot serve two live trackers either.
	store := state.NewFileStore(filepath.Join(t.TempDir(), "other.state"))
	a, err := budget.New(objs, budget.WithStore(store, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := budget.New(objs, budget.WithStore(store, 0)); !errors.Is(err, state.ErrInUse) {
		t.Errorf("a second tracker on the same FileStore: %v, want ErrInUse", err)
	}
	a.Close()
	b, err := budget.New(objs, budget.WithStore(store, 0))
	if err != nil {
		t.Fatalf("after Close, the same FileStore serves a new tracker: %v", err)
	}
	b.Close()

	// Close releases the file: the next tracker starts and finds every event.
	api.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 40)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := budget.New(objs, budget.WithClock(clk.Now), budget.WithStore(state.NewFileStore(path, state.WithLockWait(0)), 0))
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	defer third.Close()
	if got := third.Status()[0].Total(); got != 140 {
		t.Errorf("restored %d events, want 140", got)
	}
}

func TestFileStoreSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	fs := state.NewFileStore(path)
	if _, err := fs.Load(); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Load of a missing file = %v, want ErrNotFound", err)
	}
	// A temporary file that a killed process left behind goes away.
	stale := filepath.Join(dir, ".state.tmp-123")
	os.WriteFile(stale, []byte("partial"), 0o600)
	for _, n := range []int64{1, 1000} {
		st := &state.State{BucketWidths: []time.Duration{1, 2, 3}, DroppedPast: n}
		if err := fs.Save(st); err != nil {
			t.Fatal(err)
		}
		got, err := fs.Load()
		if err != nil || got.DroppedPast != n {
			t.Fatalf("Load = %+v, %v; want %+v", got, err, st)
		}
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want the state file alone", len(ents))
	}
}
