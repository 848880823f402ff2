package budgettest_test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

const month = 30 * 24 * time.Hour

// monthBefore returns a 99.9% availability objective over 30 rolling days
// whose period is filled with clean traffic at rate, ending at the clock.
func monthBefore(t testing.TB, rate float64) (*budget.Tracker, *budget.Series, *budgettest.Clock) {
	t.Helper()
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999, Window: sli.Rolling(month)}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: rate}.Run(clk, s, month)
	return tr, s, clk
}

// An hour of total failure, then clean traffic: page-1h fires after 1m0s
// (51.8 s of failure in the 1-hour window, seen at the next evaluation) and
// resolves once the 5-minute window is clean again, within one bucket.
func TestDetectFiresAndResolves(t *testing.T) {
	tr, s, clk := monthBefore(t, 10)
	start := clk.Now()
	det := budgettest.Detect(clk, tr, s, 10*time.Second,
		budgettest.Phase{Traffic: budgettest.Traffic{Rate: 10, ErrorRatio: 1}, Duration: time.Hour},
		budgettest.Phase{Traffic: budgettest.Traffic{Rate: 10}, Duration: time.Hour})
	if !clk.Now().Equal(start.Add(2 * time.Hour)) {
		t.Errorf("clock at %v, want two hours on", clk.Now().Sub(start))
	}
	p := det[0]
	if p.Rule != "page-1h" || p.Severity != budget.Page || !p.Fired || p.FiredAfter != time.Minute {
		t.Errorf("page-1h: %+v, want fired after 1m0s", p)
	}
	// The errors stop at 1h; the 5m window holds none from 1h5m, give or
	// take the bucket at its far edge.
	if !p.Resolved || p.ResolvedAfter < time.Hour+5*time.Minute || p.ResolvedAfter > time.Hour+5*time.Minute+10*time.Second /* one fine bucket */ {
		t.Errorf("page-1h: %+v, want resolved 5m (and at most one bucket) after the errors stopped", p)
	}
	for _, d := range det {
		if !d.Fired {
			t.Errorf("%s did not fire after an hour of total failure", d.Rule)
		}
	}
	if st := tr.Status()[0]; st.Bad != 36000 {
		t.Errorf("after the script: %d bad events in the period, want 36,000", st.Bad)
	}
}

// The failing fraction's remainder carries across evaluations and phases:
// at 0.1% and 10 calls a second, an evaluation every 10 s sees 100 calls,
// none of which would fail if each evaluation started the count anew.
func TestDetectCarriesTheRemainder(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{{Name: "api", Target: 0.99}}, budget.WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	half := budgettest.Phase{Traffic: budgettest.Traffic{Rate: 10, ErrorRatio: 0.001}, Duration: 30 * time.Minute}
	budgettest.Detect(clk, tr, s, 10*time.Second, half, half)
	if st := tr.Status()[0]; st.Good != 35964 || st.Bad != 36 {
		t.Errorf("good %d bad %d, want 35964 and 36", st.Good, st.Bad)
	}
}

// Custom events are recorded one by one, at the times Traffic.Run would
// give them.
func TestDetectWithEvents(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: time.Second}}, budget.WithClock(clk.Now))
	s, _ := tr.Series("lat", "")
	slow := budgettest.Traffic{Rate: 2, ErrorRatio: 0.5, Event: func(bad bool) sli.Event {
		e := sli.Event{Outcome: sli.Good, Duration: 100 * time.Millisecond}
		if bad {
			e.Duration = 3 * time.Second
		}
		return e
	}}
	det := budgettest.Detect(clk, tr, s, 0, budgettest.Phase{Traffic: slow, Duration: 10 * time.Minute})
	if st := tr.Status()[0]; st.Good != 600 || st.Bad != 600 {
		t.Errorf("good %d bad %d, want 600 each", st.Good, st.Bad)
	}
	// Half the calls too slow: page-1h waits for the 100 events of its
	// low-traffic guard, there at 50 s, when an evaluation sees them.
	if !det[0].Fired || det[0].FiredAfter != 50*time.Second {
		t.Errorf("page-1h %+v, want fired after 50s", det[0])
	}
}

// detectionRatios are the rows of the package documentation's table.
var detectionRatios = []float64{1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.0015, 0.0012, 0.0009}

// detectionTable computes the package documentation's table: a clean month
// at 10 calls a second, then the error ratio, until every rule has fired
// or has seen its long window hold nothing but the errors (after which a
// steady ratio changes nothing). The script runs in five-hour parts, each
// a Detect call, to stop there; each ratio fails a whole number of calls
// in five hours (180,000), so the parts add up to one steady run.
func detectionTable(t testing.TB) string {
	rules := budget.DefaultAlertRules()
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %-10s", "error ratio", "burn rate")
	for _, r := range rules {
		fmt.Fprintf(&b, " %-10s", r.Name)
	}
	b.WriteString("\n")
	for _, ratio := range detectionRatios {
		tr, s, clk := monthBefore(t, 10)
		fired := make([]time.Duration, len(rules))
		for i := range fired {
			fired[i] = -1
		}
		const part = 5 * time.Hour
		for elapsed := time.Duration(0); ; elapsed += part {
			done := true
			for i, r := range rules {
				if fired[i] < 0 && elapsed <= r.LongWindow+time.Hour {
					done = false
				}
			}
			if done {
				break
			}
			det := budgettest.Detect(clk, tr, s, 10*time.Second,
				budgettest.Phase{Traffic: budgettest.Traffic{Rate: 10, ErrorRatio: ratio}, Duration: part})
			for i, d := range det {
				if fired[i] < 0 && d.Fired {
					fired[i] = elapsed + d.FiredAfter
				}
			}
		}
		fmt.Fprintf(&b, "%-12s %-10s", fmt.Sprintf("%g%%", ratio*100), fmt.Sprintf("%g", math.Round(ratio*1e5)/100))
		for _, f := range fired {
			cell := "—"
			if f >= 0 {
				cell = f.String()
			}
			fmt.Fprintf(&b, " %-10s", cell)
		}
		b.WriteString("\n")
	}
	var out strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		out.WriteString("//\t" + strings.TrimRight(l, " ") + "\n")
	}
	return out.String()
}

// The package documentation's table of detection times is this test's
// output: it fails when they differ and prints the table to paste. (Not
// under the race detector: it checks documentation, and takes minutes
// there.)
func TestDetectionTable(t *testing.T) {
	if raceEnabled {
		t.Skip("the detection table is checked by the plain pass")
	}
	want := detectionTable(t)
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "//\n"+want+"//\n") {
		t.Errorf("doc.go's detection table differs from the computation; paste this in its place:\n%s", want)
	}
}
