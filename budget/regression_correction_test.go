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
// since Start; it must not walk every 10-second bucket up to End (it did:
// 200 years of them, seconds of work under each series' lock). The cost of
// an End 200 years ahead is compared with one an hour ahead, each the
// fastest of five, in the same process: the machine's load weighs on both,
// and the bug made the far one millions of times slower.
func TestRegressionOpenEndedCorrectionIsQuick(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	add := func(end time.Time) time.Duration {
		tr, err := New([]sli.Objective{{Name: "api", Target: 0.999}}, WithClock(func() time.Time { return now }),
			WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := tr.Series("api", "")
		for i := range 600 {
			s.Record(sli.Event{Time: now.Add(-time.Duration(i) * 10 * time.Second), Outcome: sli.Bad})
		}
		began := time.Now()
		if err := tr.AddCorrection(Correction{Start: now.Add(-30 * time.Minute), End: end, Reason: "until further notice"}); err != nil {
			t.Fatal(err)
		}
		took := time.Since(began)
		if st := tr.StatusAt(now)[0]; st.Bad != 600-181 {
			t.Errorf("End %v: bad = %d after the correction, want %d", end, st.Bad, 600-181)
		}
		return took
	}
	near, far := time.Duration(1<<63-1), time.Duration(1<<63-1)
	for range 5 {
		near = min(near, add(now.Add(time.Hour)))
		far = min(far, add(now.AddDate(200, 0, 0)))
	}
	t.Logf("AddCorrection: %v with End an hour ahead, %v with End 200 years ahead", near, far)
	if far > 100*near+50*time.Millisecond {
		t.Errorf("an End 200 years ahead took %v, an End an hour ahead %v: removal walks the buckets up to End", far, near)
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
