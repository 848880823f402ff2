package budget_test

import (
	"math"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// sliceObjective is a time-slice availability objective: 1-minute slices
// at 99.9% over 30 days, a minute good when 95% of its calls succeed.
func sliceObjective(name string) sli.Objective {
	o := availability(name)
	o.Budgeting = sli.Timeslices
	o.SliceTarget = 0.95
	return o
}

func sliceTracker(t *testing.T, start time.Time, objs ...sli.Objective) (*budget.Tracker, *budgettest.Clock, []*budget.Series) {
	t.Helper()
	clk := budgettest.NewClock(start)
	tr, err := budget.New(objs, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	var ss []*budget.Series
	for _, o := range objs {
		s, err := tr.Series(o.Name, "")
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	return tr, clk, ss
}

func slicesOf(t *testing.T, st budget.Status) budget.SliceBudget {
	t.Helper()
	if st.Slices == nil {
		t.Fatalf("%s: Status.Slices is nil for a time-slice objective", st.Objective.Name)
	}
	return *st.Slices
}

// 30 days of 1-minute slices at 99.9% are a budget of 43.2 minutes, and a
// 10-minute total outage spends 10 of them.
func TestSlicesMonthBudget(t *testing.T) {
	tr, clk, ss := sliceTracker(t, t0, sliceObjective("api"))
	period := 30 * 24 * time.Hour
	budgettest.Traffic{Rate: 1}.Run(clk, ss[0], period-10*time.Minute)
	st := tr.Status()[0]
	b := slicesOf(t, st)
	if b.Period != 43200 || b.Allowed != 43.2 || b.AllowedTime() != 43*time.Minute+12*time.Second || b.Width != time.Minute {
		t.Fatalf("budget %+v (%v), want 43,200 slices of 1m, 43.2 allowed (43m12s)", b, b.AllowedTime())
	}
	if b.Spent != 0 || b.Bad != 0 || b.Good != 43190 {
		t.Fatalf("clean month: %+v, want 43,190 good slices, none spent", b)
	}
	budgettest.Traffic{Rate: 1, ErrorRatio: 1}.Run(clk, ss[0], 10*time.Minute)
	st = tr.Status()[0]
	b = slicesOf(t, st)
	if b.Spent != 10 || b.Bad != 10 || b.Good != 43190 || b.SpentTime() != 10*time.Minute {
		t.Fatalf("after a 10-minute outage: %+v, want 10 bad slices spent", b)
	}
	if want := 1 - 10/43.2; math.Abs(st.Remaining.Value-want) > 1e-12 || math.Abs(st.Consumed.Value-10/43.2) > 1e-12 {
		t.Errorf("remaining %v consumed %v, want %v and %v", st.Remaining, st.Consumed, want, 10/43.2)
	}
	if want := 43190.0 / 43200; math.Abs(st.SLI.Value-want) > 1e-12 {
		t.Errorf("SLI %v, want %v (good slices among the closed ones)", st.SLI, want)
	}
	// The 1h window: 10 bad slices of 60 at a budget of 0.001.
	if got, want := st.BurnRateOf("1h"), (10.0/60)/0.001; math.Abs(got.Value-want) > 1e-9*want {
		t.Errorf("1h burn %v, want %v", got, want)
	}
	for _, w := range st.BurnRates {
		if w.Window == "5m" && (w.Good != 0 || w.Bad != 5) {
			t.Errorf("5m window counts %d good %d bad slices, want 0 and 5", w.Good, w.Bad)
		}
	}
}

// A minute with 3 bad calls of 100 at a slice target of 0.95 is good; with
// 6 it is bad. The verdict is exact at the edge (5 of 100).
func TestSliceVerdictTarget(t *testing.T) {
	tr, clk, ss := sliceTracker(t, t0, sliceObjective("api"))
	for _, bad := range []int64{3, 6, 5, 0} {
		at := clk.Now().Add(time.Second)
		ss[0].RecordN(sli.Event{Time: at, Outcome: sli.Good}, 100-bad)
		ss[0].RecordN(sli.Event{Time: at, Outcome: sli.Bad}, bad)
		clk.Advance(time.Minute)
	}
	b := slicesOf(t, tr.Status()[0])
	if b.Good != 3 || b.Bad != 1 || b.Empty != 0 || b.Spent != 1 {
		t.Fatalf("slices %+v, want 3 good (3, 5 and 0 bad of 100) and 1 bad (6 of 100)", b)
	}
}

// Empty minutes count as the objective says: good, bad, or not at all.
func TestSliceEmpty(t *testing.T) {
	cases := []struct {
		rule            sli.EmptySlices
		good, bad       int64
		spent           float64
		sli             float64
		slices1h, bad1h int64
	}{
		{sli.EmptyGood, 10, 0, 0, 1, 10, 0},
		{sli.EmptyBad, 1, 9, 9, 0.1, 10, 9},
		{sli.EmptySkipped, 1, 0, 0, 1, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.rule.String(), func(t *testing.T) {
			o := sliceObjective("api")
			o.EmptySlices = c.rule
			tr, clk, ss := sliceTracker(t, t0, o)
			ss[0].Record(sli.Event{Time: t0.Add(time.Second), Outcome: sli.Good})
			clk.Advance(10 * time.Minute)
			st := tr.Status()[0]
			b := slicesOf(t, st)
			if b.Good != c.good || b.Bad != c.bad || b.Empty != 9 || b.Spent != c.spent {
				t.Fatalf("slices %+v, want good %d bad %d empty 9 spent %v", b, c.good, c.bad, c.spent)
			}
			if st.SLI.Value != c.sli {
				t.Errorf("SLI %v, want %v", st.SLI, c.sli)
			}
			for _, w := range st.BurnRates {
				if w.Window == "1h" && (w.Good+w.Bad != c.slices1h || w.Bad != c.bad1h) {
					t.Errorf("1h window: %d good %d bad, want %d counted, %d bad", w.Good, w.Bad, c.slices1h, c.bad1h)
				}
			}
		})
	}
}

// A correction's minutes count as good, whether it was declared before the
// outage or after it; the budget in minutes stays 43.2.
func TestSliceCorrection(t *testing.T) {
	for _, after := range []bool{false, true} {
		name := "declared-before"
		if after {
			name = "declared-after"
		}
		t.Run(name, func(t *testing.T) {
			tr, clk, ss := sliceTracker(t, t0, sliceObjective("api"))
			budgettest.Traffic{Rate: 1}.Run(clk, ss[0], time.Hour)
			start := clk.Now()
			c := budget.Correction{Objective: "api", Start: start.Add(2*time.Minute + 30*time.Second), End: start.Add(6 * time.Minute), Reason: "upstream"}
			if !after {
				if err := tr.AddCorrection(c); err != nil {
					t.Fatal(err)
				}
			}
			budgettest.Traffic{Rate: 1, ErrorRatio: 1}.Run(clk, ss[0], 10*time.Minute)
			if after {
				tr.Status() // the outage's slices are decided bad first
				if err := tr.AddCorrection(c); err != nil {
					t.Fatal(err)
				}
			}
			b := slicesOf(t, tr.Status()[0])
			// Slices 2:00–6:00 touch the correction: 4 good; 6 bad.
			if b.Bad != 6 || b.Spent != 6 || b.Good != 64 || b.Allowed != 43.2 {
				t.Fatalf("slices %+v, want 6 bad (the 4 corrected minutes good), 43.2 allowed", b)
			}
		})
	}
}

// A calendar month keeps its exact number of slices across DST: in Berlin
// March 2026 has 743 hours, October 745.
func TestSlicesCalendarDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	cases := []struct {
		at     time.Time
		width  time.Duration
		slices int64
	}{
		{time.Date(2026, 3, 20, 12, 0, 0, 0, berlin), time.Minute, 743 * 60},
		{time.Date(2026, 10, 20, 12, 0, 0, 0, berlin), time.Minute, 745 * 60},
		{time.Date(2026, 10, 20, 12, 0, 0, 0, berlin), 5 * time.Minute, 745 * 12},
		{time.Date(2026, 2, 20, 12, 0, 0, 0, berlin), time.Minute, 28 * 24 * 60},
		{time.Date(2026, 4, 20, 12, 0, 0, 0, berlin), time.Minute, 30 * 24 * 60},
	}
	for _, c := range cases {
		o := sliceObjective("api")
		o.Window = sli.CalendarMonth("Europe/Berlin")
		o.SliceWidth = c.width
		tr, clk, ss := sliceTracker(t, c.at, o)
		ss[0].Record(sli.Event{Time: c.at, Outcome: sli.Bad})
		clk.Advance(c.width)
		b := slicesOf(t, tr.Status()[0])
		if b.Period != c.slices || b.Bad != 1 {
			t.Errorf("%v, %v slices: %d in the month (%d bad), want %d (1 bad)", c.at.Format("Jan"), c.width, b.Period, b.Bad, c.slices)
		}
		if want := float64(c.slices) / 1000; math.Abs(b.Allowed-want) > 1e-9 {
			t.Errorf("%v: allowed %v, want %v", c.at.Format("Jan"), b.Allowed, want)
		}
	}
}

// OpenSLO's worked examples (examples/budgeting-method and
// examples/treat-low-traffic-as-equally-important), through the tracker.
func TestSlicesOpenSLOExamples(t *testing.T) {
	t.Run("2w-95%", func(t *testing.T) {
		o := sliceObjective("api")
		o.Target = 0.95
		o.Window = sli.Rolling(14 * 24 * time.Hour)
		tr, clk, ss := sliceTracker(t, t0, o)
		budgettest.Traffic{Rate: 1}.Run(clk, ss[0], 2*time.Hour)
		b := slicesOf(t, tr.Status()[0])
		if b.Period != 20160 || b.Allowed != 1008 || b.AllowedTime() != 16*time.Hour+48*time.Minute {
			t.Fatalf("budget %+v (%v), want 20,160 slices, 1,008 allowed: 16h48m", b, b.AllowedTime())
		}
		// A total outage spends the budget after exactly 16 h 48 min.
		budgettest.Traffic{Rate: 1, ErrorRatio: 1}.Run(clk, ss[0], 16*time.Hour+47*time.Minute)
		st := tr.Status()[0]
		if st.Slices.Spent != 1007 || st.PolicyState == budget.Exhausted {
			t.Fatalf("after 16h47m: spent %v, policy %v; want 1,007 and budget left", st.Slices.Spent, st.PolicyState)
		}
		budgettest.Traffic{Rate: 1, ErrorRatio: 1}.Run(clk, ss[0], time.Minute)
		st = tr.Status()[0]
		if st.Slices.Spent != 1008 || st.Remaining.Value != 0 || st.PolicyState != budget.Exhausted || st.ReleaseAllowed {
			t.Fatalf("after 16h48m: spent %v remaining %v policy %v; want 1,008, 0, exhausted", st.Slices.Spent, st.Remaining, st.PolicyState)
		}
	})
	t.Run("1w-99.95%", func(t *testing.T) {
		o := sliceObjective("api")
		o.Target = 0.9995
		o.Window = sli.Rolling(7 * 24 * time.Hour)
		tr, clk, ss := sliceTracker(t, t0, o)
		budgettest.Traffic{Rate: 1}.Run(clk, ss[0], time.Hour)
		b := slicesOf(t, tr.Status()[0])
		if b.Period != 10080 || math.Abs(b.Allowed-5.04) > 1e-12 || b.AllowedTime() != 5*time.Minute+2400*time.Millisecond {
			t.Fatalf("budget %+v (%v), want 10,080 slices, 5.04 allowed: 5m2.4s", b, b.AllowedTime())
		}
	})
}

// A 100% outage pages a time-slice objective within its short window (5m)
// plus one slice, for a busy service (10 calls/s) and for a thin one (a
// call a minute), whose 60 events an hour the event guards (100 in the
// long window) keep from the 1h page: an occurrence objective beside it
// does not page on it. The policy turns AtRisk on the page and Exhausted when the
// 43.2 minutes are spent; the gate then closes.
func TestSlicesPageBusyAndThin(t *testing.T) {
	for _, c := range []struct {
		name string
		rate float64
		step time.Duration // a step of traffic that holds a call
	}{{"busy", 10, 10 * time.Second}, {"thin", 1.0 / 60, time.Minute}} {
		t.Run(c.name, func(t *testing.T) {
			occ := availability("occurrences")
			tr, clk, ss := sliceTracker(t, t0, sliceObjective("api"), occ)
			rec := sli.RecorderFunc(func(e sli.Event) { ss[0].Record(e); ss[1].Record(e) })
			budgettest.Traffic{Rate: c.rate}.Run(clk, rec, 2*time.Hour)
			if st := tr.Status()[0]; len(st.Firing()) != 0 || st.PolicyState != budget.Healthy || st.PolicyReason != budget.ReasonBudgetAvailable {
				t.Fatalf("before the outage: firing %v, policy %v (%v)", st.Firing(), st.PolicyState, st.PolicyReason)
			}
			start := clk.Now()
			var paged time.Duration
			for paged == 0 && clk.Now().Sub(start) < time.Hour {
				budgettest.Traffic{Rate: c.rate, ErrorRatio: 1}.Run(clk, rec, c.step)
				sts := tr.Status()
				for _, a := range sts[0].Firing() {
					if a.Rule.Severity == budget.Page {
						paged = clk.Now().Sub(start)
						if sts[0].PolicyState != budget.AtRisk || !sts[0].ReleaseAllowed {
							t.Errorf("paging: policy %v, release allowed %v; want AtRisk, allowed", sts[0].PolicyState, sts[0].ReleaseAllowed)
						}
					}
				}
				for _, a := range sts[1].Firing() {
					if c.name == "thin" && a.Rule.Name == "page-1h" {
						t.Fatalf("the occurrence objective's 1h page fired on 60 events an hour: %+v", a)
					}
				}
			}
			if paged == 0 || paged > 6*time.Minute {
				t.Fatalf("paged after %v, want within 5m + 1 slice", paged)
			}
			t.Logf("paged %v after the outage began", paged)
			budgettest.Traffic{Rate: c.rate, ErrorRatio: 1}.Run(clk, rec, 45*time.Minute-paged)
			st := tr.Status()[0]
			if st.PolicyState != budget.Exhausted || st.ReleaseAllowed || tr.Gate().Allowed {
				t.Fatalf("after 45 bad minutes (%v spent of %v): policy %v, gate %v; want exhausted and closed", st.Slices.Spent, st.Slices.Allowed, st.PolicyState, tr.Gate().Allowed)
			}
		})
	}
}

// A ratio slice spends its share of bad events: 3% errors for 8 hours (so
// that the period is counted partly from 15-minute buckets) spend 0.03 of
// each of 480 slices; a minute of total outage spends one more.
func TestRatioSlices(t *testing.T) {
	o := sliceObjective("api")
	o.Budgeting, o.SliceTarget = sli.RatioTimeslices, 0
	tr, clk, ss := sliceTracker(t, t0, o)
	for range 480 {
		at := clk.Now().Add(time.Second)
		ss[0].RecordN(sli.Event{Time: at, Outcome: sli.Good}, 97)
		ss[0].RecordN(sli.Event{Time: at, Outcome: sli.Bad}, 3)
		clk.Advance(time.Minute)
	}
	st := tr.Status()[0]
	b := slicesOf(t, st)
	if math.Abs(b.Spent-14.4) > 1e-9 || b.Bad != 480 || b.Good != 0 {
		t.Fatalf("slices %+v, want 14.4 spent over 480 slices with bad events", b)
	}
	if got, want := st.BurnRateOf("1h"), 0.03/0.001; math.Abs(got.Value-want) > 1e-9 {
		t.Errorf("1h burn %v, want %v", got, want)
	}
	if math.Abs(st.SLI.Value-0.97) > 1e-12 {
		t.Errorf("SLI %v, want 0.97", st.SLI)
	}
	ss[0].RecordN(sli.Event{Time: clk.Now().Add(time.Second), Outcome: sli.Bad}, 5)
	clk.Advance(time.Minute)
	if b := slicesOf(t, tr.Status()[0]); math.Abs(b.Spent-15.4) > 1e-9 {
		t.Fatalf("after a bad minute: spent %v, want 15.4", b.Spent)
	}
}

// A grouped time-slice objective reports each group, and before them an
// overall entry where a slice is bad when any group's is (Datadog's rule):
// 44 bad minutes alternating between two groups leave each group 22 of its
// 43.2, but exhaust the overall budget, and the gate closes on it alone.
func TestSlicesGroupedOverall(t *testing.T) {
	o := sliceObjective("api")
	o.GroupBy = "route"
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{o}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tr.Series("api", "/a")
	b, _ := tr.Series("api", "/b")
	minute := func(badA, badB bool) {
		at := clk.Now().Add(time.Second)
		for _, x := range []struct {
			s   *budget.Series
			bad bool
		}{{a, badA}, {b, badB}} {
			out := sli.Good
			if x.bad {
				out = sli.Bad
			}
			x.s.RecordN(sli.Event{Time: at, Outcome: out}, 100)
		}
		clk.Advance(time.Minute)
	}
	for range 120 {
		minute(false, false)
	}
	for k := range 44 {
		minute(k%2 == 0, k%2 == 1)
	}
	sts := tr.Status()
	if len(sts) != 3 || !sts[0].Overall || sts[0].Group != "" || sts[1].Group != "/a" || sts[2].Group != "/b" {
		t.Fatalf("statuses %d: want the overall entry, then /a and /b", len(sts))
	}
	ov, ga, gb := slicesOf(t, sts[0]), slicesOf(t, sts[1]), slicesOf(t, sts[2])
	if ov.Bad != 44 || ov.Good != 120 || ga.Bad != 22 || gb.Bad != 22 {
		t.Fatalf("overall %+v, /a %+v, /b %+v; want 44 bad overall, 22 in each group", ov, ga, gb)
	}
	if sts[0].Good != 2*120*100+44*100 || sts[0].Bad != 44*100 {
		t.Errorf("overall events %d good %d bad, want the groups' sum", sts[0].Good, sts[0].Bad)
	}
	if sts[0].PolicyState != budget.Exhausted || sts[0].ReleaseAllowed || sts[1].PolicyState == budget.Exhausted || !sts[1].ReleaseAllowed {
		t.Fatalf("overall %v (release %v), /a %v (release %v); want overall exhausted, groups not", sts[0].PolicyState, sts[0].ReleaseAllowed, sts[1].PolicyState, sts[1].ReleaseAllowed)
	}
	g := budget.GateOf(sts)
	if g.Allowed || len(g.Reasons) != 1 || g.Reasons[0].Group != "" {
		t.Fatalf("gate %+v, want closed by the overall entry alone", g)
	}
	if r := sts[0].BurnRateOf("1h"); math.Abs(r.Value-(44.0/60)/0.001) > 1e-6 {
		t.Errorf("overall 1h burn %v, want %v", r, (44.0/60)/0.001)
	}
}

// Under EmptyBad a group without events in a minute makes the overall
// minute bad (/b is silent for 4 of 5 minutes); under EmptyGood and
// EmptySkipped it does not.
func TestSlicesGroupedOverallEmpty(t *testing.T) {
	for _, c := range []struct {
		rule sli.EmptySlices
		bad  int64
	}{{sli.EmptyGood, 0}, {sli.EmptyBad, 4}, {sli.EmptySkipped, 0}} {
		o := sliceObjective("api")
		o.GroupBy = "route"
		o.EmptySlices = c.rule
		clk := budgettest.NewClock(t0)
		tr, err := budget.New([]sli.Objective{o}, budget.WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := tr.Series("api", "/a")
		b, _ := tr.Series("api", "/b")
		b.Record(sli.Event{Time: t0.Add(time.Second), Outcome: sli.Good})
		for range 5 {
			clk.Advance(time.Minute)
			a.Record(sli.Event{Time: clk.Now().Add(-time.Second), Outcome: sli.Good})
		}
		ov := slicesOf(t, tr.Status()[0])
		if ov.Bad != c.bad || ov.Good+ov.Bad != 5 {
			t.Errorf("%v: overall %+v, want %d bad of 5", c.rule, ov, c.bad)
		}
	}
}

// A series nobody reads for 8 hours still decides each 1-minute slice from
// its own 10-second buckets, before the fine tier lets them go (the fold
// decides them): one bad minute in every five comes out as exactly that,
// where the 5-minute buckets would make all five bad. Fails without the
// hook in Series.foldLocked.
func TestSlicesDecidedUnread(t *testing.T) {
	tr, clk, ss := sliceTracker(t, t0, sliceObjective("api"))
	for k := range 8 * 60 {
		ratio := 0.0
		if k%5 == 2 {
			ratio = 1
		}
		budgettest.Traffic{Rate: 1, ErrorRatio: ratio}.Run(clk, ss[0], time.Minute)
	}
	b := slicesOf(t, tr.Status()[0])
	if b.Bad != 96 || b.Good != 384 {
		t.Fatalf("slices %+v, want 96 bad of 480", b)
	}
}

// The gate lists a time-slice objective the policy cannot judge yet with
// its counted slices, not its events.
func TestSlicesGateUnjudged(t *testing.T) {
	tr, clk, ss := sliceTracker(t, t0, sliceObjective("api"))
	budgettest.Traffic{Rate: 10}.Run(clk, ss[0], 36*time.Minute)
	g := tr.Gate()
	if len(g.Unjudged) != 1 || g.Unjudged[0].Events != 36 || g.Unjudged[0].EventsNeeded != 100 {
		t.Fatalf("unjudged %+v, want 36 of 100 slices", g.Unjudged)
	}
}
