package budget

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// A section this build does not know (written by a later one) is skipped,
// and the rest of the file loads.
func TestStateSectionFromTheFutureSkipped(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	objs := []sli.Objective{{Name: "api", Kind: sli.Availability, Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)}}
	tr, err := New(objs, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	s := tr.SLO("api").Series("")
	s.RecordN(sli.Event{Time: now.Add(-time.Minute), Outcome: sli.Bad}, 7)
	s.RecordN(sli.Event{Time: now.Add(-time.Minute), Outcome: sli.Good}, 93)

	var st state.State
	tr.capture(&st, nil)
	st.Sections = []state.Section{{Name: "from-the-future", Data: []byte{0xff, 0, 1, 2, 3}}, {Name: incidentSection, Data: []byte{3, 0, 0}}}
	var logs bytes.Buffer
	ms := &state.MemoryStore{}
	if err := ms.Save(&st); err != nil {
		t.Fatal(err)
	}
	tr2, err := New(objs, WithClock(func() time.Time { return now }), WithStore(ms, time.Minute), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if tr2.inc.lastID != 3 {
		t.Errorf("last incident id %d, want 3", tr2.inc.lastID)
	}
	got := tr2.Status()[0]
	if got.Good != 93 || got.Bad != 7 {
		t.Errorf("restored %d/%d, want 93/7", got.Good, got.Bad)
	}
	if !strings.Contains(logs.String(), "from-the-future") {
		t.Errorf("the skipped section is not logged:\n%s", logs.String())
	}
}

// goldenStore returns a FileStore over a copy of the golden state file
// name (in ../state/testdata).
func goldenStore(t *testing.T, name string) *state.FileStore {
	b, err := os.ReadFile(filepath.Join("..", "state", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "errbudget.state")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return state.NewFileStore(path)
}

// state-before-sections.bin was written by the build before sections
// existed (an hour at 10 events/s, 1% failing): it still loads.
func TestStateFileBeforeSectionsLoads(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	objs := []sli.Objective{{Name: "api", Kind: sli.Availability, Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)}}
	tr, err := New(objs, WithClock(func() time.Time { return now }), WithStore(goldenStore(t, "state-before-sections.bin"), time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Incidents()) != 0 {
		t.Errorf("incidents from a file without any")
	}
	st := tr.Status()[0]
	if st.Good != 35640 || st.Bad != 360 {
		t.Errorf("restored %d/%d, want 35640/360", st.Good, st.Bad)
	}
}

// state-7daad9c.bin was written by main at 7daad9c, the last commit before
// persistence moved to package state, with every kind of content: a
// grouped latency objective past its MaxGroups, alerts, policy states,
// corrections, a dropped event, the changes and incidents sections. It
// loads, to the same figures that build reported.
func TestStateFile7daad9cLoads(t *testing.T) {
	// The same state as a later release (minor version 9) writes it, with a
	// section this build does not know: a rollback keeps the counts.
	for _, name := range []string{"state-7daad9c.bin", "from-the-future/state-7daad9c-minor-9.bin"} {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2026, 3, 2, 1, 44, 57, 0, time.UTC)
			objs := []sli.Objective{
				{Name: "api", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
				{Name: "lat", Kind: sli.Latency, Threshold: 100 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 2, Window: sli.Rolling(7 * 24 * time.Hour)},
			}
			tr, err := New(objs, WithClock(func() time.Time { return now }), WithVersion("v1.0.0"), WithStore(goldenStore(t, name), time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][3]int64{"api/": {1760, 1720, 20}, "lat/a": {840, 1160, 0}, "lat/b": {840, 1160, 0}, "lat/_OTHER": {840, 1160, 0}}
			sts := tr.StatusAt(now)
			if len(sts) != len(want) {
				t.Errorf("%d statuses, want %d", len(sts), len(want))
			}
			for _, st := range sts {
				k := st.Objective.Name + "/" + st.Group
				if got := [3]int64{st.Good, st.Bad, st.LifetimeExcluded}; got != want[k] || st.PolicyState != Exhausted {
					t.Errorf("%s: good, bad, excluded %v, policy %v; want %v, exhausted", k, got, st.PolicyState, want[k])
				}
			}
			if in := tr.Incidents(); len(in) != 1 || in[0].State != IncidentOpen || len(in[0].Series) != 4 ||
				!in[0].Onset.Equal(time.Date(2026, 3, 2, 0, 3, 30, 0, time.UTC)) || len(in[0].Restarts) != 1 {
				t.Errorf("incidents %+v, want the open one of 4 series with onset 00:03:30 and a restart", in)
			}
			if ch := tr.Changes(); len(ch) != 2 || ch[1].Description != "flag chat-v2 on" {
				t.Errorf("changes %+v", ch)
			}
			if past, future := tr.Dropped(); len(tr.Corrections()) != 2 || past != 0 || future != 1 {
				t.Errorf("%d corrections, dropped %d/%d; want 2, 0/1", len(tr.Corrections()), past, future)
			}
		})
	}
}
