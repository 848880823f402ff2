package budget

import (
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// checkClassify fails when classify disagrees with the objective's own
// Verdict and Measure. The latency is compared only for counted events:
// record ignores it for excluded ones.
func checkClassify(t *testing.T, o sli.Objective, e sli.Event) {
	t.Helper()
	v, us := classify(&o, &e, nil)
	wantV := o.Verdict(e)
	wantUS := int64(-1)
	if d, ok := o.Measure(e); ok {
		wantUS = int64(d / time.Microsecond)
	}
	if v != wantV || (v != sli.Excluded && us != wantUS) {
		t.Errorf("kind %v, include filter %t, include failures %t, event %+v: classify = %v, %d µs; Verdict, Measure = %v, %d µs",
			o.Kind, o.Include != nil, o.IncludeFailures, e, v, us, wantV, wantUS)
	}
}

func TestClassifyMatchesVerdict(t *testing.T) {
	const threshold = 2 * time.Second
	durations := []time.Duration{-1500, -1, 0, 999, time.Microsecond, threshold - 1, threshold, threshold + 1, time.Hour}
	outcomes := []sli.Outcome{sli.Excluded, sli.Good, sli.Bad, 7}
	kinds := []sli.Kind{sli.Availability, sli.Latency, sli.Custom, sli.TimeToFirstToken, sli.TimePerOutputToken, sli.Quality}
	for _, k := range kinds {
		for _, filtered := range []bool{false, true} {
			for _, failures := range []bool{false, true} {
				o := sli.Objective{Name: "o", Kind: k, Target: 0.99, Threshold: threshold, MinScore: 0.5, IncludeFailures: failures}
				if k == sli.Custom {
					o.Classify = func(e sli.Event) sli.Outcome { return e.Outcome }
				}
				if filtered {
					o.Include = func(e sli.Event) bool { return !e.Streaming }
				}
				for _, out := range outcomes {
					for _, d := range durations {
						for _, streaming := range []bool{false, true} {
							e := sli.Event{Time: stripeT0, Duration: d, Outcome: out, Streaming: streaming,
								FirstToken: d / 4, OutputTokens: 3, Score: 0.7, Scored: true}
							checkClassify(t, o, e)
						}
					}
				}
			}
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(uint8(sli.Latency), uint8(sli.Good), int64(time.Second), int64(2*time.Second), false)
	f.Add(uint8(sli.Latency), uint8(sli.Bad), int64(-999), int64(time.Millisecond), true)
	f.Add(uint8(sli.Availability), uint8(sli.Bad), int64(0), int64(0), false)
	f.Fuzz(func(t *testing.T, kind, outcome uint8, d, threshold int64, failures bool) {
		o := sli.Objective{Name: "o", Kind: sli.Kind(kind % 6), Threshold: time.Duration(threshold), IncludeFailures: failures}
		checkClassify(t, o, sli.Event{Duration: time.Duration(d), Outcome: sli.Outcome(outcome), FirstToken: time.Duration(d / 3), OutputTokens: 5})
	})
}
