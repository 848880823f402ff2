package budget

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/errbudget/errbudget/internal/window"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

var snapT0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// sampleSnapshot returns the snapshot of a small tracker with every kind of
// content: groups, latency, alerts, corrections, drops.
func sampleSnapshot(t testing.TB) *state.State {
	now := snapT0
	clock := func() time.Time { return now }
	tr, err := New([]sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "lat", Kind: sli.Latency, Threshold: 100 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 2},
	}, WithClock(clock), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	for i := range 400 {
		now = snapT0.Add(time.Duration(i) * 17 * time.Second)
		api.Record(sli.Event{Time: now, Outcome: sli.Outcome(1 + i%9/8)})
		for _, g := range []string{"a", "b", "c"} {
			s, _ := tr.Series("lat", g)
			s.Record(sli.Event{Time: now, Outcome: sli.Good, Duration: time.Duration(i%50) * 5 * time.Millisecond})
		}
	}
	api.Record(sli.Event{Time: now.Add(time.Hour), Outcome: sli.Good}) // dropped
	tr.AddCorrection(Correction{Objective: "api", Start: snapT0, End: snapT0.Add(time.Minute), Reason: "past"})
	tr.AddCorrection(Correction{Start: snapT0.Add(-time.Hour), End: snapT0, Reason: "weekly", Recurrence: "FREQ=WEEKLY;BYDAY=SU,WE", TimeZone: "Europe/Berlin"})
	tr.Status()
	st := new(state.State)
	tr.capture(st, nil)
	return st
}

func TestSnapshotHoldsEverything(t *testing.T) {
	st := sampleSnapshot(t)
	if len(st.Objectives) != 2 || len(st.Objectives[1].Series) != 3 || len(st.Corrections) != 2 {
		t.Fatalf("captured %d objectives, %d lat series, %d corrections", len(st.Objectives), len(st.Objectives[1].Series), len(st.Corrections))
	}
	if st.DroppedFuture != 1 {
		t.Errorf("dropped future %d, want 1", st.DroppedFuture)
	}
	if len(st.Objectives[1].Series[0].Latency) == 0 || len(st.Objectives[0].Series[0].Alerts) != 4 {
		t.Error("latency slots or alert states missing")
	}
}

// TestSnapshotOfEmptySeries: a series that never counted anything is the
// smallest thing a snapshot holds; it must decode at the end of the file.
func TestSnapshotOfEmptySeries(t *testing.T) {
	store := &state.MemoryStore{}
	tr, err := New([]sli.Objective{{Name: "a", Target: 0.9}}, WithStore(store, 0), WithAlertRules(nil), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(); err != nil {
		t.Fatal(err)
	}
}

// FuzzRestoreState: no state the decoder accepts makes restoring it panic.
// The seeds run in every plain test run.
func FuzzRestoreState(f *testing.F) {
	good, err := sampleSnapshot(f).AppendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	// Valid checksums around damaged payloads, so the fuzzer starts past
	// the checksum.
	for _, cut := range []int{21, 29, len(good) / 3, len(good) - 7} {
		f.Add(resum(good[:cut]))
	}
	objs := []sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "lat", Kind: sli.Latency, Threshold: 100 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 2},
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 24 && bytes.HasPrefix(b, good[:12]) {
			b = resum(b[:len(b)-4]) // let the fuzzer reach the payload
		}
		var st state.State
		if st.UnmarshalBinary(b) != nil {
			return
		}
		tr, err := New(objs, WithClock(func() time.Time { return snapT0 }), WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		tr.applyState(&st, snapT0, discard)
		tr.StatusAt(snapT0)
	})
}

// resum returns a snapshot of the header and payload in b (no checksum),
// its length and checksum set to agree.
func resum(b []byte) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint64(b[12:], uint64(len(b)-20))
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// A state saved with other bucket widths (a release that changed the
// tiers) restores every count, each saved bucket into the bucket holding
// its start; the file was refused and set aside before.
func TestRestoreOtherBucketWidths(t *testing.T) {
	now := snapT0.Add(3 * time.Hour)
	objs := []sli.Objective{{Name: "api", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)}}
	tr, err := New(objs, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	s := tr.SLO("api").Series("")
	for i := range 500 {
		s.Record(sli.Event{Time: snapT0.Add(time.Duration(i) * 17 * time.Second), Outcome: sli.Outcome(1 + i%7/6)})
	}
	want := tr.StatusAt(now)[0]
	st := new(state.State)
	tr.capture(st, nil)
	// Twice as wide: bucket N holds what this build's 2N and 2N+1 held.
	for i := range st.BucketWidths {
		st.BucketWidths[i] *= 2
	}
	for i, bs := range st.Objectives[0].Series[0].Tiers {
		var out []state.Bucket
		for _, x := range bs {
			x.N = window.FloorDiv(x.N, 2)
			if n := len(out); n > 0 && out[n-1].N == x.N {
				out[n-1].Good += x.Good
				out[n-1].Bad += x.Bad
				continue
			}
			out = append(out, x)
		}
		st.Objectives[0].Series[0].Tiers[i] = out
	}
	ms := &state.MemoryStore{}
	if err := ms.Save(st); err != nil {
		t.Fatal(err)
	}
	tr2, err := New(objs, WithClock(func() time.Time { return now }), WithStore(ms, time.Minute), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if got := tr2.StatusAt(now)[0]; got.Good != want.Good || got.Bad != want.Bad {
		t.Errorf("restored %d/%d, want %d/%d", got.Good, got.Bad, want.Good, want.Bad)
	}
}
