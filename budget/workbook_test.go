package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func availability(name string) sli.Objective {
	return sli.Objective{Name: name, Kind: sli.Availability, Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)}
}

// newTracker returns a tracker whose 30-day window is prefilled with clean
// traffic at rate per second, ending at the clock's reading.
func prefilled(t *testing.T, rate float64, prefill time.Duration) (*budget.Tracker, *budget.Series, *budgettest.Clock) {
	t.Helper()
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, err := tr.Series("api", "")
	if err != nil {
		t.Fatal(err)
	}
	budgettest.Traffic{Rate: rate}.Run(clk, s, prefill)
	return tr, s, clk
}

func within(t *testing.T, what string, got budget.Float, want float64) {
	t.Helper()
	if !got.Valid {
		t.Fatalf("%s: no data, want %v", what, want)
	}
	if math.Abs(got.Value-want) > 0.001*want {
		t.Errorf("%s = %.6g, want %v within 0.1%%", what, got.Value, want)
	}
}

func TestWorkbookFigures(t *testing.T) {
	const rate = 10 // calls per second, steady over the whole period
	period := 30 * 24 * time.Hour
	cases := []struct {
		alert    string
		window   string
		stretch  time.Duration
		ratio    float64
		burn     float64
		consumed float64
	}{
		{"page-1h", "1h", time.Hour, 0.0144, 14.4, 0.02},
		{"page-6h", "6h", 6 * time.Hour, 0.006, 6, 0.05},
		{"ticket-1d", "1d", 24 * time.Hour, 0.003, 3, 0.10},
		{"ticket-3d", "3d", 72 * time.Hour, 0.001, 1, 0.10},
	}
	for _, c := range cases {
		t.Run(c.alert, func(t *testing.T) {
			tr, s, clk := prefilled(t, rate, period-c.stretch)
			budgettest.Traffic{Rate: rate, ErrorRatio: c.ratio}.Run(clk, s, c.stretch)
			st := tr.Status()[0]
			within(t, "burn "+c.window, st.BurnRateOf(c.window), c.burn)
			within(t, "consumed", st.Consumed, c.consumed)
			if got := st.Total(); got != int64(rate*period.Seconds()) {
				t.Errorf("period total %d, want %d", got, int64(rate*period.Seconds()))
			}
		})
	}
}

func firing(st budget.Status) map[string]bool {
	m := map[string]bool{}
	for _, a := range st.Firing() {
		m[a.Rule.Name] = true
	}
	return m
}

func TestWorkbookAlertsFireAboveAndNotBelow(t *testing.T) {
	const rate = 10
	period := 30 * 24 * time.Hour
	cases := []struct {
		alert   string
		stretch time.Duration
		ratio   float64
	}{
		{"page-1h", time.Hour, 0.0144},
		{"page-6h", 6 * time.Hour, 0.006},
		{"ticket-1d", 24 * time.Hour, 0.003},
		{"ticket-3d", 72 * time.Hour, 0.001},
	}
	for _, c := range cases {
		for _, f := range []float64{1.1, 0.9} {
			t.Run(c.alert+"/"+map[bool]string{true: "1.1x", false: "0.9x"}[f > 1], func(t *testing.T) {
				tr, s, clk := prefilled(t, rate, period-c.stretch)
				budgettest.Traffic{Rate: rate, ErrorRatio: c.ratio * f}.Run(clk, s, c.stretch)
				got := firing(tr.Status()[0])
				if f > 1 && !got[c.alert] {
					t.Errorf("%s does not fire at 1.1x its ratio; firing %v", c.alert, got)
				}
				if f < 1 && len(got) > 0 {
					t.Errorf("at 0.9x the %s ratio, firing %v, want none", c.alert, got)
				}
			})
		}
	}
}

func TestPageResolvesWithinShortWindowPlusOneBucket(t *testing.T) {
	const rate = 10
	tr, s, clk := prefilled(t, rate, 30*24*time.Hour-time.Hour)
	budgettest.Traffic{Rate: rate, ErrorRatio: 0.0144 * 1.1}.Run(clk, s, time.Hour)
	if !firing(tr.Status()[0])["page-1h"] {
		t.Fatal("page-1h does not fire after an hour at 1.1x its ratio")
	}
	stopped := clk.Now()
	// Clean traffic again; check every 10 s when page-1h resolves.
	var resolved time.Duration = -1
	for resolved < 0 && clk.Now().Sub(stopped) < 30*time.Minute {
		budgettest.Traffic{Rate: rate}.Run(clk, s, 10*time.Second)
		if !firing(tr.Status()[0])["page-1h"] {
			resolved = clk.Now().Sub(stopped)
		}
	}
	limit := 5*time.Minute + 10*time.Second // one fine bucket
	if resolved < 0 || resolved > limit {
		t.Fatalf("page-1h resolved %v after the errors stopped, want within %v", resolved, limit)
	}
}

func TestLoneBadEventInIdleHourPagesNobody(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	clk.Advance(3 * time.Hour)
	s.Record(sli.Event{Time: clk.Now(), Outcome: sli.Bad})
	clk.Advance(time.Minute)
	st := tr.Status()[0]
	if st.BurnRateOf("5m").Value != 1000 {
		t.Fatalf("5m burn %v, want 1000 (one bad event out of one)", st.BurnRateOf("5m"))
	}
	if f := st.Firing(); len(f) != 0 {
		t.Fatalf("a single bad event fires %v", f)
	}
	if st.PolicyState != budget.Healthy || !st.ReleaseAllowed || st.PolicyReason != budget.ReasonInsufficientEvents {
		t.Fatalf("policy %v (%s), release %v after one event; want healthy (insufficient_events), allowed", st.PolicyState, st.PolicyReason, st.ReleaseAllowed)
	}
}

func TestNoTrafficIsNoData(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api"),
		{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: time.Second}}, budget.WithClock(clk.Now))
	for _, st := range tr.Status() {
		if st.SLI.Valid || st.Consumed.Valid || st.Remaining.Valid || st.Latency.P99.Valid {
			t.Errorf("%s: numbers without traffic: %+v", st.Objective.Name, st)
		}
		for _, b := range st.BurnRates {
			if b.Rate.Valid {
				t.Errorf("%s: burn %s = %v without traffic", st.Objective.Name, b.Window, b.Rate.Value)
			}
		}
		if !st.ExhaustionETA.IsZero() || st.PolicyState != budget.Healthy || !st.ReleaseAllowed {
			t.Errorf("%s: eta %v policy %v release %v without traffic", st.Objective.Name, st.ExhaustionETA, st.PolicyState, st.ReleaseAllowed)
		}
	}
}
