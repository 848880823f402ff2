package budget

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// TestRegressionOpenEndedCorrectionIsQuick: a correction declared afterwards
// with a distant End ("until further notice") takes out what was counted
// since Start; it must not walk every 10-second bucket up to End.
func TestRegressionOpenEndedCorrectionIsQuick(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tr, err := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	for i := range 600 {
		s.Record(sli.Event{Time: now.Add(-time.Duration(i) * 10 * time.Second), Outcome: sli.Bad})
	}
	done := make(chan error, 1)
	go func() {
		done <- tr.AddCorrection(Correction{Start: now.Add(-30 * time.Minute), End: now.AddDate(200, 0, 0), Reason: "until further notice"})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("AddCorrection with an End 200 years ahead did not return within 3s")
	}
	st := tr.StatusAt(now)[0]
	if st.Bad != 600-181 {
		t.Errorf("bad = %d after the correction, want %d", st.Bad, 600-181)
	}
}

// TestRegressionCorrectionUntilYear9999: an End far beyond what Unix
// nanoseconds hold (the usual "for ever") must either be refused or
// exclude the events after Start; it must not be accepted and then exclude
// nothing.
func TestRegressionCorrectionUntilYear9999(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tr, err := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	err = tr.AddCorrection(Correction{Start: now.Add(-time.Minute), End: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Reason: "for ever"})
	if err != nil {
		t.Logf("refused: %v", err)
		return
	}
	s, _ := tr.Series("api", "")
	s.Record(sli.Event{Time: now, Outcome: sli.Bad})
	if st := tr.StatusAt(now)[0]; st.Bad != 0 {
		t.Errorf("accepted a correction until 9999, yet an event inside it counts: bad = %d, want 0", st.Bad)
	}
}
