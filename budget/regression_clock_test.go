package budget_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// Regression tests of issue 10, items 1–5 and 9: the clock stepping back,
// late events, statuses of past instants, huge counts, the order of
// transitions.

// firedPages returns the page alerts among the AlertFired transitions.
func firedPages(trs []budget.Transition) []string {
	var out []string
	for _, x := range trs {
		if x.Kind == budget.AlertFired && x.Alert.Rule.Severity == budget.Page {
			out = append(out, x.Alert.Rule.Name)
		}
	}
	return out
}

func firingPages(st budget.Status) []string {
	var out []string
	for _, a := range st.Firing() {
		if a.Rule.Severity == budget.Page {
			out = append(out, a.Rule.Name)
		}
	}
	return out
}

// Item 1: with the clock stepped back an hour, a 10-minute total outage
// fires page alerts in the status and delivers AlertFired to the handlers
// and the logger.
func TestRegressionClockStepBackStillDeliversTransitions(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var logs bytes.Buffer
	var trs []budget.Transition
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		budget.OnTransition(func(x budget.Transition) { trs = append(trs, x) }))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 2*time.Hour)
	tr.Status()
	clk.Set(clk.Now().Add(-time.Hour))
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 10*time.Minute)
	st := tr.Status()[0]
	if len(firingPages(st)) == 0 {
		t.Fatalf("no page alert fires after a 10-minute outage: %+v", st.Alerts)
	}
	if got := firedPages(trs); len(got) != len(firingPages(st)) {
		t.Fatalf("page alerts firing %v, AlertFired delivered for %v", firingPages(st), got)
	}
	if !strings.Contains(logs.String(), "alert_fired") {
		t.Fatalf("the logger saw no alert_fired:\n%s", logs.String())
	}
	for _, x := range trs {
		if !x.Time.Equal(st.Time) {
			t.Errorf("transition %v at %v, want the clock's %v", x, x.Time, st.Time)
		}
	}
}

// Item 1: the same after a restart from a state saved by a process whose
// clock ran an hour fast.
func TestRegressionRestoreFromFastClockStillDeliversTransitions(t *testing.T) {
	store := &state.MemoryStore{}
	fast := budgettest.NewClock(t0.Add(time.Hour))
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(fast.Now), budget.WithStore(store, 0))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(fast, s, 2*time.Hour)
	tr.Status()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	clk := budgettest.NewClock(t0.Add(2 * time.Hour)) // the right time: an hour behind the saved state
	var trs []budget.Transition
	tr2, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithStore(store, 0),
		budget.OnTransition(func(x budget.Transition) { trs = append(trs, x) }))
	s2, _ := tr2.Series("api", "")
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s2, 10*time.Minute)
	st := tr2.Status()[0]
	if len(firingPages(st)) == 0 {
		t.Fatalf("no page alert fires after a 10-minute outage: %+v", st.Alerts)
	}
	if got := firedPages(trs); len(got) != len(firingPages(st)) {
		t.Fatalf("page alerts firing %v, AlertFired delivered for %v", firingPages(st), got)
	}
}

// Item 1: a status asked for an earlier instant than the clock's produces
// no transition, even when no later one was evaluated; the status at the
// clock then does.
func TestRegressionStatusAtPastProducesNoTransitions(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var trs []budget.Transition
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.OnTransition(func(x budget.Transition) { trs = append(trs, x) }))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, time.Hour)
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 10*time.Minute)
	budgettest.Traffic{Rate: 10}.Run(clk, s, 10*time.Minute)
	past := tr.StatusAt(clk.Now().Add(-10 * time.Minute))[0]
	if len(firingPages(past)) == 0 {
		t.Fatalf("no page alert fires at the end of the outage: %+v", past.Alerts)
	}
	if len(trs) != 0 {
		t.Fatalf("StatusAt in the past delivered %v", trs)
	}
	tr.Status()
	if len(firedPages(trs)) == 0 {
		t.Fatalf("the status at the clock delivered no AlertFired: %v", trs)
	}
}

// Item 9: concurrent status readers (as Run, the endpoint and an
// OpenTelemetry collection are) while a scripted fire → resolve → fire
// happens: the handlers see the series' transitions in that order, each
// once.
func TestConcurrentReadersDeliverTransitionsInOrder(t *testing.T) {
	for round := range 20 {
		clk := budgettest.NewClock(t0)
		rule := budget.AlertRule{Name: "fast", Severity: budget.Page, LongWindow: 10 * time.Minute, ShortWindow: time.Minute,
			BurnRate: 2, MinLongEvents: 1, MinShortEvents: 1}
		got := make(chan budget.Transition, 16)
		tr, _ := budget.New([]sli.Objective{availability("api"), availability("other")}, budget.WithClock(clk.Now),
			budget.WithAlertRules([]budget.AlertRule{rule}),
			budget.OnTransition(func(x budget.Transition) {
				if x.Objective == "api" && x.Kind != budget.PolicyChanged {
					got <- x
				}
			}))
		s, _ := tr.Series("api", "")
		budgettest.Traffic{Rate: 10}.Run(clk, s, 10*time.Minute)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						tr.Status()
					}
				}
			}()
		}
		var seen []budget.TransitionKind
		expect := func(k budget.TransitionKind) {
			t.Helper()
			select {
			case x := <-got:
				seen = append(seen, x.Kind)
				if x.Kind != k {
					t.Fatalf("round %d: transitions %v, want fired, resolved, fired", round, seen)
				}
			case <-patience(t):
				t.Fatalf("round %d: no %v before the test's deadline (saw %v)", round, k, seen)
			}
		}
		budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 2*time.Minute)
		expect(budget.AlertFired)
		budgettest.Traffic{Rate: 10}.Run(clk, s, 2*time.Minute)
		expect(budget.AlertResolved)
		budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 2*time.Minute)
		expect(budget.AlertFired)
		close(stop)
		wg.Wait()
		tr.Status()
		select {
		case x := <-got:
			t.Fatalf("round %d: an extra transition %v", round, x)
		default:
		}
	}
}

// Item 5: RecordN with huge counts never turns a total negative: counts
// saturate at budget.MaxCount, in every window, the period, the lifetime
// totals and the latency distribution.
func TestRegressionRecordNHugeCountsSaturate(t *testing.T) {
	clk := budgettest.NewClock(t0)
	lat := sli.Objective{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: time.Second}
	tr, _ := budget.New([]sli.Objective{availability("api"), lat}, budget.WithClock(clk.Now))
	api, _ := tr.Series("api", "")
	ls, _ := tr.Series("lat", "")
	const huge = int64(^uint64(0) >> 1) // math.MaxInt64
	for _, at := range []time.Duration{0, 0, 15 * time.Second, -20 * time.Second} {
		for _, s := range []*budget.Series{api, ls} {
			s.RecordN(sli.Event{Time: t0.Add(at), Duration: 100 * time.Millisecond, Outcome: sli.Good}, huge)
			bad := sli.Event{Time: t0.Add(at), Duration: 2 * time.Second, Outcome: sli.Bad} // bad for both kinds
			if s == ls {
				bad.Outcome = sli.Good
			}
			s.RecordN(bad, huge/3)
			s.Record(sli.Event{Time: t0.Add(at), Duration: 100 * time.Millisecond, Outcome: sli.Good})
		}
	}
	clk.Advance(30 * time.Second)
	for _, st := range tr.Status() {
		if st.Good != budget.MaxCount || st.Bad != budget.MaxCount || st.Total() < 0 {
			t.Errorf("%s: period good %d bad %d total %d, want both %d", st.Objective.Name, st.Good, st.Bad, st.Total(), int64(budget.MaxCount))
		}
		for _, b := range st.BurnRates {
			if b.Good != budget.MaxCount || b.Bad != budget.MaxCount || !b.Rate.Valid || b.Rate.Value < 0 {
				t.Errorf("%s %s: good %d bad %d rate %v", st.Objective.Name, b.Window, b.Good, b.Bad, b.Rate)
			}
		}
		if st.Objective.Kind == sli.Latency && (st.Latency.Count <= 0 || !st.Latency.P99.Valid) {
			t.Errorf("%s: latency %+v", st.Objective.Name, st.Latency)
		}
	}
	for _, s := range []*budget.Series{api, ls} {
		if g, b := s.Lifetime(); g != budget.MaxCount || b != budget.MaxCount {
			t.Errorf("%s: lifetime good %d bad %d, want both %d", s.Objective().Name, g, b, int64(budget.MaxCount))
		}
	}
}

// Item 5: the burn-down sums the same saturated counts.
func TestRecordNHugeCountsBurnDownSaturates(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	api, _ := tr.Series("api", "")
	for i := range 4 {
		api.RecordN(sli.Event{Time: t0.Add(time.Duration(i) * time.Hour), Outcome: sli.Bad}, budget.MaxCount)
		clk.Set(t0.Add(time.Duration(i) * time.Hour))
	}
	st := tr.Status(budget.WithBurnDown(10))[0]
	if bd := st.BurnDown; st.Bad != budget.MaxCount || bd.Points[len(bd.Points)-1].Bad != budget.MaxCount {
		t.Fatalf("status bad %d, last point %d; want %d", st.Bad, bd.Points[len(bd.Points)-1].Bad, int64(budget.MaxCount))
	}
}

// Item 3: a Rolling(4h) objective keeps an event while its 3d window and
// the ticket-3d rule still cover it: 1,000 bad events at r0+1s recorded
// late at r0+5h fill the 3d window and fire ticket-3d, as on time.
func TestRegressionLateEventsKeptWhileAWindowCoversThem(t *testing.T) {
	r0 := t0
	o := sli.Objective{Name: "short", Target: 0.99, Window: sli.Rolling(4 * time.Hour)}
	for _, late := range []bool{false, true} {
		clk := budgettest.NewClock(r0)
		tr, _ := budget.New([]sli.Objective{o}, budget.WithClock(clk.Now))
		s, _ := tr.Series("short", "")
		if !late {
			clk.Set(r0.Add(time.Second))
			s.RecordN(sli.Event{Time: r0.Add(time.Second), Outcome: sli.Bad}, 1000)
		}
		clk.Set(r0.Add(5 * time.Hour))
		if late {
			s.RecordN(sli.Event{Time: r0.Add(time.Second), Outcome: sli.Bad}, 1000)
		}
		st := tr.Status()[0]
		if past, _ := tr.Dropped(); past != 0 {
			t.Errorf("late=%v: %d dropped as too old", late, past)
		}
		if w := st.BurnRates[6]; w.Window != "3d" || w.Bad != 1000 {
			t.Errorf("late=%v: 3d window %+v, want 1000 bad", late, w)
		}
		fires := false
		for _, a := range st.Firing() {
			fires = fires || a.Rule.Name == "ticket-3d"
		}
		if !fires {
			t.Errorf("late=%v: ticket-3d does not fire: %+v", late, st.Alerts)
		}
		if g, b := s.Lifetime(); g != 0 || b != 1000 {
			t.Errorf("late=%v: lifetime %d good %d bad", late, g, b)
		}
	}
}

// Item 3: an event older than every window and alert rule of its
// objective is still dropped and counted.
func TestLateEventBeyondEveryWindowDropped(t *testing.T) {
	o := sli.Objective{Name: "short", Target: 0.99, Window: sli.Rolling(4 * time.Hour)}
	clk := budgettest.NewClock(t0.Add(73 * time.Hour))
	tr, _ := budget.New([]sli.Objective{o}, budget.WithClock(clk.Now))
	s, _ := tr.Series("short", "")
	s.RecordN(sli.Event{Time: t0, Outcome: sli.Bad}, 10)
	if past, _ := tr.Dropped(); past != 10 {
		t.Fatalf("dropped past %d, want 10", past)
	}
}

// stepBackRun records an hour of clean traffic at 20 calls a second, jumps
// the clock ahead by jump for ten minutes of traffic (half of it failing),
// brings it back to where it was, and returns the tracker, the clock and
// the series. The objective is a latency one, so that percentiles are
// checked too.
func stepBackRun(t *testing.T, jump time.Duration) (*budget.Tracker, *budgettest.Clock, *budget.Series) {
	t.Helper()
	clk := budgettest.NewClock(t0)
	o := sli.Objective{Name: "lat", Kind: sli.Latency, Target: 0.999, Threshold: time.Second, IncludeFailures: true}
	tr, err := budget.New([]sli.Objective{o}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("lat", "")
	budgettest.Traffic{Rate: 20, Latency: 100 * time.Millisecond}.Run(clk, s, time.Hour)
	tr.Status()
	back := clk.Now()
	clk.Set(back.Add(jump))
	budgettest.Traffic{Rate: 20, ErrorRatio: 0.5, Latency: 100 * time.Millisecond}.Run(clk, s, 10*time.Minute)
	tr.Status()
	clk.Set(back)
	return tr, clk, s
}

// Item 2: after a step back of any size, within one bucket width, the short
// windows are read at 10 s again, percentiles are there, and events already
// recorded stay in the lifetime totals and the period.
func TestRegressionSeriesFollowTheClockAfterAStepBack(t *testing.T) {
	for _, jump := range []time.Duration{40 * 24 * time.Hour, time.Hour, 5 * time.Minute} {
		t.Run(jump.String(), func(t *testing.T) {
			tr, clk, s := stepBackRun(t, jump)
			// A 5-minute outage at the clock, then 5 clean minutes.
			budgettest.Traffic{Rate: 20, ErrorRatio: 1}.Run(clk, s, 5*time.Minute)
			budgettest.Traffic{Rate: 20, Latency: 100 * time.Millisecond}.Run(clk, s, 5*time.Minute)
			st := tr.Status()[0]
			w5 := st.BurnRates[0]
			// The window reaches back less than one 10 s bucket too far:
			// at most 200 of the outage's calls.
			if w5.Window != "5m" || w5.Bad > 200 || w5.Good < 6000 || w5.Good+w5.Bad > 6200 {
				t.Errorf("5m window after the outage: %d good %d bad; want 6,000 good and at most 200 bad", w5.Good, w5.Bad)
			}
			if st.Latency.Count < 6000 || !st.Latency.P50.Valid {
				t.Errorf("latency over the last hour: %+v", st.Latency)
			}
			// 1 h + 10 min ahead + 10 min after: every event counted.
			const want = 20 * (3600 + 600 + 600)
			if g, b := s.Lifetime(); g+b != want {
				t.Errorf("lifetime %d events, want %d", g+b, want)
			}
			if st.Total() != want {
				t.Errorf("period %d events, want %d", st.Total(), want)
			}
			if past, future := tr.Dropped(); past+future != 0 {
				t.Errorf("dropped %d past, %d future", past, future)
			}
		})
	}
}

// Item 2, documented: the events recorded ahead of the clock count at the
// clock's reading after the step back, in the windows that hold them,
// for as long as those windows reach it; an alert that was firing keeps
// firing while the windows at the clock say so (Since no later than the
// clock) and resolves, with a transition at the clock's time, once they no
// longer do.
func TestStepBackEventsAheadCountAtTheClock(t *testing.T) {
	clk := budgettest.NewClock(t0)
	var trs []budget.Transition
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.OnTransition(func(x budget.Transition) { trs = append(trs, x) }))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, time.Hour)
	back := clk.Now()
	clk.Set(back.Add(time.Hour)) // the clock runs an hour fast for ten minutes, during an outage
	budgettest.Traffic{Rate: 10, ErrorRatio: 1}.Run(clk, s, 10*time.Minute)
	if st := tr.Status()[0]; len(firingPages(st)) == 0 {
		t.Fatalf("the outage fires no page: %+v", st.Alerts)
	}
	fired := len(trs)
	clk.Set(back)
	st := tr.Status()[0]
	if w := st.BurnRates[0]; w.Bad != 6000 {
		t.Errorf("5m window right after the step back: %d bad, want the 6,000 recorded ahead", w.Bad)
	}
	if len(firingPages(st)) == 0 || len(trs) != fired {
		t.Errorf("after the step back: firing %v, transitions %v", firingPages(st), trs[fired:])
	}
	for _, a := range st.Firing() {
		if a.Since.After(st.Time) {
			t.Errorf("%s fires since %v, after the clock's %v", a.Rule.Name, a.Since, st.Time)
		}
	}
	budgettest.Traffic{Rate: 10}.Run(clk, s, 6*time.Minute)
	st = tr.Status()[0]
	if w := st.BurnRates[0]; w.Bad != 0 {
		t.Errorf("5m window six clean minutes later: %d bad", w.Bad)
	}
	if w := st.BurnRates[2]; w.Bad != 6000 {
		t.Errorf("1h window six clean minutes later: %d bad, want 6,000", w.Bad)
	}
	resolved := false
	for _, x := range trs[fired:] {
		if x.Kind == budget.AlertResolved && x.Alert.Rule.Name == "page-1h" {
			resolved = x.Time.Equal(st.Time)
		}
	}
	if !resolved {
		t.Errorf("page-1h did not resolve at the clock's %v: %v", st.Time, trs[fired:])
	}
}

// Item 2: a state saved by a process whose clock ran an hour fast loses
// none of its events at a restart with the right time: they count in the
// period at the clock's reading.
func TestRegressionRestoreFromFastClockKeepsEvents(t *testing.T) {
	store := &state.MemoryStore{}
	fast := budgettest.NewClock(t0.Add(time.Hour))
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(fast.Now), budget.WithStore(store, 0))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.1}.Run(fast, s, 2*time.Hour)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	clk := budgettest.NewClock(t0.Add(2 * time.Hour))
	tr2, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithStore(store, 0))
	st := tr2.Status()[0]
	if st.Total() != 72000 || st.Bad != 7200 {
		t.Fatalf("period after the restore: %d events, %d bad; want 72,000 and 7,200", st.Total(), st.Bad)
	}
}

// Item 2, documented: the 10-second buckets whose slots the events recorded
// ahead of the clock had taken over may have lost their counts; a window
// that reaches them is read from the next coarser tier, never short of them.
func TestStepBackOverwrittenBucketsReadFromCoarserTier(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10}.Run(clk, s, 7*time.Hour)
	back := clk.Now()
	clk.Set(back.Add(time.Hour))
	budgettest.Traffic{Rate: 10}.Run(clk, s, 10*time.Minute)
	clk.Set(back)
	w6 := tr.Status()[0].BurnRates[4]
	// 6 hours at 10 a second, and the 6,000 recorded ahead; the start edge
	// read from 5-minute buckets may reach back up to 5 minutes further.
	if n := w6.Good + w6.Bad; w6.Window != "6h" || n < 216000+6000 || n > 216000+6000+3000 {
		t.Fatalf("6h window after a 1h step back: %d events, want 222,000 to 225,000", n)
	}
}

// Item 4a: a status of an earlier instant leaves out the bucket holding it,
// whose counts may lie after it: bad at +3 s, good at +7 s, clock at +8 s,
// StatusAt(+5 s) must not count the good call. It cannot tell +3 s from +7 s
// inside one 10-second bucket, so it stops at the bucket's start (the
// documented end edge) rather than count what came after.
func TestRegressionStatusAtPastLeavesOutTheRestOfTheLastBucket(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	s.Record(sli.Event{Time: t0.Add(3 * time.Second), Outcome: sli.Bad})
	s.Record(sli.Event{Time: t0.Add(7 * time.Second), Outcome: sli.Good})
	clk.Set(t0.Add(8 * time.Second))
	for _, w := range tr.StatusAt(t0.Add(5 * time.Second))[0].BurnRates {
		if w.Good != 0 || w.NotHeld != "" {
			t.Errorf("StatusAt(+5s) %s: %d good %d bad (%s), want no call after +5 s", w.Window, w.Good, w.Bad, w.NotHeld)
		}
	}
	// The bucket's last instant, and the clock's reading, count it whole.
	for _, at := range []time.Duration{10*time.Second - 1, 8 * time.Second} {
		if w := tr.StatusAt(t0.Add(at))[0].BurnRates[0]; w.Good != 1 || w.Bad != 1 {
			t.Errorf("StatusAt(+%v) 5m: %d good %d bad, want 1 and 1", at, w.Good, w.Bad)
		}
	}
}

// Item 4b: seven hours back the 10-second tier no longer holds the 5m
// window: both its edges are read from 5-minute buckets, one bucket's
// worth, not two. A 6h window ending an hour back reads its older part
// from 5-minute buckets and the rest from 10-second ones.
func TestRegressionStatusAtFarBackReadsFinestTierHoldingEachEdge(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, _ := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	s, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 1}.Run(clk, s, 8*time.Hour)
	for _, c := range []struct {
		back    time.Duration
		window  int
		want    int64
		tol     int64 // fewer allowed
		comment string
	}{
		{7 * time.Hour, 0, 300, 0, "5m, 7h back, aligned to 5 minutes"},
		{7*time.Hour - 150*time.Second, 0, 300, 0, "5m, 7h back, mid-bucket: the 5 minutes before its bucket"},
		{time.Hour, 4, 6 * 3600, 0, "6h, 1h back"},
		// The start edge, read from 5-minute buckets, reaches back 295 s;
		// the end edge stops 5 s short, at the start of its 10 s bucket.
		{time.Hour + 5*time.Second, 4, 6*3600 + 295 - 5, 0, "6h, 1h back, mid-bucket"},
		// The call at the very instant asked for starts a bucket left out.
		{2 * time.Hour, 5, 6*3600 - 1, 0, "1d, 2h back: only 6h of traffic"},
	} {
		w := tr.StatusAt(clk.Now().Add(-c.back))[0].BurnRates[c.window]
		if n := w.Good + w.Bad; n < c.want-c.tol || n > c.want || w.NotHeld != "" {
			t.Errorf("%s: %d events (%s), want %d (−%d)", c.comment, n, w.NotHeld, c.want, c.tol)
		}
	}
}

// Item 4c: when no tier holds a window any longer, the status says so for
// that window instead of reading zero.
func TestRegressionStatusAtBeyondTheRingSaysNotHeld(t *testing.T) {
	clk := budgettest.NewClock(t0)
	o := sli.Objective{Name: "short", Target: 0.99, Window: sli.Rolling(4 * time.Hour)}
	tr, _ := budget.New([]sli.Objective{o}, budget.WithClock(clk.Now))
	s, _ := tr.Series("short", "")
	budgettest.Traffic{Rate: 1.0 / 60}.Run(clk, s, 7*24*time.Hour)
	st := tr.StatusAt(clk.Now().Add(-77 * time.Hour))[0]
	for _, w := range st.BurnRates {
		// The 10-second tier reaches 6.4 h back, the 5-minute one 76 h, the
		// 15-minute one 3 days + 45 minutes (this objective's horizon).
		wantHeld := false
		if w.NotHeld == "" == wantHeld {
			continue
		}
		t.Errorf("%s at -77h: %d good %d bad, rate %v, not held %q", w.Window, w.Good, w.Bad, w.Rate, w.NotHeld)
	}
	if st.SLI.Valid || st.Remaining.Valid {
		t.Errorf("period not held, yet SLI %v remaining %v", st.SLI, st.Remaining)
	}
	st = tr.StatusAt(clk.Now().Add(-70 * time.Hour))[0]
	for _, w := range st.BurnRates {
		held := w.Duration+70*time.Hour < 76*time.Hour-10*time.Minute // the 5-minute tier reaches furthest here
		if (w.NotHeld == "") != held {
			t.Errorf("%s at -70h: held %v, not held %q", w.Window, held, w.NotHeld)
		}
		if held && w.Good == 0 {
			t.Errorf("%s at -70h: held but empty", w.Window)
		}
	}
}
