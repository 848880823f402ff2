package budget

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
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

	var e encoder
	e.begin(now, 0, 0, nil, 1)
	e.objective(&tr.slos[0].decl, 1)
	var ss seriesState
	s.mu.Lock()
	s.captureLocked(&ss)
	s.mu.Unlock()
	e.series(&ss)
	e.sections([]section{{name: "from-the-future", data: []byte{0xff, 0, 1, 2, 3}}, {name: incidentSection, data: []byte{3, 0, 0}}})
	b := e.finish()

	var logs bytes.Buffer
	ms := &MemoryStore{}
	if err := ms.Save(b); err != nil {
		t.Fatal(err)
	}
	tr2, err := New(objs, WithClock(func() time.Time { return now }), WithStore(ms, time.Minute), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if tr2.inc.lastID != 3 {
		t.Errorf("last incident id %d, want 3", tr2.inc.lastID)
	}
	st := tr2.Status()[0]
	if st.Good != 93 || st.Bad != 7 {
		t.Errorf("restored %d/%d, want 93/7", st.Good, st.Bad)
	}
	if !strings.Contains(logs.String(), "from-the-future") {
		t.Errorf("the skipped section is not logged:\n%s", logs.String())
	}
}

// testdata/state-before-sections.bin was written by the build before
// sections existed (an hour at 10 events/s, 1% failing): it still loads.
func TestStateFileBeforeSectionsLoads(t *testing.T) {
	b, err := os.ReadFile("testdata/state-before-sections.bin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	ms := &MemoryStore{}
	if err := ms.Save(b); err != nil {
		t.Fatal(err)
	}
	objs := []sli.Objective{{Name: "api", Kind: sli.Availability, Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)}}
	tr, err := New(objs, WithClock(func() time.Time { return now }), WithStore(ms, time.Minute))
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
