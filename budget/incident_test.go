package budget_test

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// script is scripted traffic, one entry per second from start: how many
// good and bad events complete at that second. The tests compute their
// expectations from it with exact windows, independently of the buckets.
type script struct {
	start     time.Time
	good, bad []int64
	cg, cb    []int64 // prefix sums: cg[i] = good[0..i-1]
}

func (sc *script) add(secs int, good, bad int64) {
	for range secs {
		sc.good = append(sc.good, good)
		sc.bad = append(sc.bad, bad)
	}
}

func (sc *script) sums() {
	sc.cg, sc.cb = make([]int64, len(sc.good)+1), make([]int64, len(sc.bad)+1)
	for i := range sc.good {
		sc.cg[i+1] = sc.cg[i] + sc.good[i]
		sc.cb[i+1] = sc.cb[i] + sc.bad[i]
	}
}

func (sc *script) at(i int) time.Time { return sc.start.Add(time.Duration(i) * time.Second) }

// window returns the good and bad events completing in (t − d, t], exactly.
func (sc *script) window(t time.Time, d time.Duration) (good, bad int64) {
	hi := int(t.Sub(sc.start)/time.Second) + 1 // seconds 0..hi-1 are at or before t
	lo := int(t.Add(-d).Sub(sc.start)/time.Second) + 1
	hi, lo = min(max(hi, 0), len(sc.good)), min(max(lo, 0), len(sc.good))
	return sc.cg[hi] - sc.cg[lo], sc.cb[hi] - sc.cb[lo]
}

// between returns the events completing in [from, to).
func (sc *script) between(from, to time.Time) (good, bad int64) {
	lo := int((from.Sub(sc.start) + time.Second - 1) / time.Second)
	hi := int((to.Sub(sc.start) + time.Second - 1) / time.Second)
	hi, lo = min(max(hi, 0), len(sc.good)), min(max(lo, 0), len(sc.good))
	return sc.cg[hi] - sc.cg[lo], sc.cb[hi] - sc.cb[lo]
}

// firing reports whether any default rule fires at t over exact windows,
// with the default low-traffic guard.
func (sc *script) firing(t time.Time, target float64) bool {
	for _, r := range budget.DefaultAlertRules() {
		lg, lb := sc.window(t, r.LongWindow)
		sg, sb := sc.window(t, r.ShortWindow)
		th := r.Threshold(30 * 24 * time.Hour)
		if lg+lb >= budget.DefaultMinLongEvents && sg+sb >= budget.DefaultMinShortEvents &&
			float64(lb) > th*(1-target)*float64(lg+lb) && float64(sb) > th*(1-target)*float64(sg+sb) {
			return true
		}
	}
	return false
}

// play records the script into the series from second from to second to
// (exclusive), setting the clock to each second, and evaluates the status
// every 10 seconds as Run would (before that second's events).
func (sc *script) play(clk *budgettest.Clock, tr *budget.Tracker, series []*budget.Series, from, to int, eval bool) {
	for i := from; i < to; i++ {
		at := sc.at(i)
		clk.Set(at)
		if eval && at.Unix()%10 == 0 {
			tr.Status()
		}
		for _, s := range series {
			if g := sc.good[i]; g > 0 {
				s.RecordN(sli.Event{Time: at, Outcome: sli.Good}, g)
			}
			if b := sc.bad[i]; b > 0 {
				s.RecordN(sli.Event{Time: at, Outcome: sli.Bad}, b)
			}
		}
	}
}

type eventLog struct{ evs []budget.IncidentEvent }

func (l *eventLog) add(ev budget.IncidentEvent) { l.evs = append(l.evs, ev) }

// TestIncidentOfATenMinuteOutage is the first scenario: a clean
// day at 10 events/s, then 10 minutes of 100% errors (starting 5 s into a
// bucket), at 99.9%, the status evaluated every 10 s.
func TestIncidentOfATenMinuteOutage(t *testing.T) {
	const target = 0.999
	sc := &script{start: t0}
	day := 24 * 3600
	sc.add(day+5, 10, 0)  // a clean day, and 5 s into the next bucket
	sc.add(600, 0, 10)    // the outage: 10 minutes, every call failing
	sc.add(8*3600, 10, 0) // clean again, long enough for every alert to resolve and the quiet period to pass
	sc.sums()
	outage := sc.at(day + 5)
	outageEnd := sc.at(day + 605) // the last failure is at outageEnd − 1 s

	var log eventLog
	var logs bytes.Buffer
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.OnIncident(log.add), budget.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	sc.play(clk, tr, []*budget.Series{s}, 0, day-60, false)
	sc.play(clk, tr, []*budget.Series{s}, day-60, len(sc.good), true)

	ins := tr.Incidents()
	if len(ins) != 1 {
		t.Fatalf("%d incidents, want 1: %+v", len(ins), ins)
	}
	in := ins[0]
	t.Logf("onset %v detection metric %v clock %v mitigated %v resolved %v closed %v",
		in.Onset, in.Detection.MetricTime, in.Detection.ClockTime, in.Mitigated, in.Resolved, in.Closed)
	if in.State != budget.IncidentClosed || in.ID != 1 {
		t.Errorf("state %v id %d, want closed 1", in.State, in.ID)
	}

	// Onset: the bucket the outage began in, within 10 s of its start.
	if d := outage.Sub(in.Onset); d < 0 || d >= 10*time.Second || in.OnsetResolution != 10*time.Second {
		t.Errorf("onset %v (resolution %v), want within 10 s before %v", in.Onset, in.OnsetResolution, outage)
	}

	// Detection by page-1h. In theory after 14.4 × 0.001 × 1 h = 51.84 s of
	// failures; on the script (exact windows) the windows first cross at
	// the first second whose events bring the 1h window over 14.4: the
	// test finds it, and expects the metric time at the start of its
	// bucket and the clock time at the next evaluation (every 10 s).
	if in.Detection.Rule.Name != "page-1h" || in.Detection.Rule.Severity != budget.Page {
		t.Errorf("detected by %s (%s), want page-1h", in.Detection.Rule.Name, in.Detection.Rule.Severity)
	}
	var crossed time.Time
	for i := day + 5; ; i++ {
		g, b := sc.window(sc.at(i), time.Hour)
		if float64(b) > 14.4*(1-target)*float64(g+b) {
			crossed = sc.at(i)
			break
		}
	}
	wantMetric := crossed.Truncate(10 * time.Second)
	wantClock := wantMetric.Add(10 * time.Second)
	if !in.Detection.MetricTime.Equal(wantMetric) || !in.Detection.ClockTime.Equal(wantClock) {
		t.Errorf("detection metric %v clock %v, want %v and %v (the windows cross at %v)",
			in.Detection.MetricTime, in.Detection.ClockTime, wantMetric, wantClock, crossed)
	}
	metric, clock := in.TimeToDetect()
	if metric != 50*time.Second || clock != 60*time.Second || crossed.Sub(outage) != 51*time.Second {
		t.Errorf("time to detect: metric %v, clock %v (crossed %v after the outage began), want 50 s, 60 s, 51 s",
			metric, clock, crossed.Sub(outage))
	}

	// Bad events exact; total from onset to the end of the resolution's bucket.
	if len(in.Series) != 1 {
		t.Fatalf("%d series, want 1", len(in.Series))
	}
	is := in.Series[0]
	wg, wb := sc.between(in.Onset, in.Resolved.Truncate(10*time.Second).Add(10*time.Second))
	if is.Bad != 6000 || wb != 6000 || is.Good != wg {
		t.Errorf("events good %d bad %d, want %d and 6000", is.Good, is.Bad, wg)
	}
	// Consumed: bad ÷ ((1 − target) × the period's events at the close).
	// The closing evaluation ran before that second's events were recorded.
	pg, pb := sc.between(t0, in.Closed)
	if is.PeriodEvents != pg+pb {
		t.Errorf("period events %d, want %d", is.PeriodEvents, pg+pb)
	}
	wantConsumed := 6000.0 * 1e9 / (float64(pg+pb) * 1e6)
	if !is.Consumed.Valid || is.Consumed.Value != wantConsumed {
		t.Errorf("consumed %v, want %v", is.Consumed, wantConsumed)
	}
	if want := 1 - float64(pb)*1e9/(float64(pg+pb)*1e6); is.RemainingAtClose.Value != want {
		t.Errorf("remaining at close %v, want %v", is.RemainingAtClose, want)
	}
	if !is.RemainingAtOnset.Valid || is.RemainingAtOnset.Value != 1 {
		t.Errorf("remaining at onset %v, want 1 (a clean day)", is.RemainingAtOnset)
	}
	if !is.PeakBurn5m.Valid || is.PeakBurn5m.Value != 1000 || in.PeakBurn5m != is.PeakBurn5m {
		t.Errorf("peak 5m burn %v at %v, want 1000", is.PeakBurn5m, is.PeakAt)
	}

	// Mitigated: the first instant at which the exact 5m burn is at most 1;
	// resolved: the first at which no rule fires over exact windows.
	var mitigated, resolved time.Time
	for i := day + 5 + 60; i < len(sc.good); i++ {
		at := sc.at(i)
		if g, b := sc.window(at, 5*time.Minute); mitigated.IsZero() && float64(b) <= (1-target)*float64(g+b) {
			mitigated = at
		}
		if !sc.firing(at, target) {
			resolved = at
			break
		}
	}
	for _, c := range []struct {
		what      string
		got, want time.Time
	}{{"mitigated", in.Mitigated, mitigated}, {"resolved", in.Resolved, resolved}} {
		// Within one bucket: the bucket windows reach back up to 10 s too
		// far, and the status is evaluated every 10 s.
		if d := c.got.Sub(c.want); d < 0 || d > 10*time.Second {
			t.Errorf("%s at %v, want within 10 s after %v", c.what, c.got, c.want)
		}
	}
	if want := in.Resolved.Add(budget.DefaultIncidentQuiet); !in.Closed.Equal(want) {
		t.Errorf("closed at %v, want %v (resolved + 30 min)", in.Closed, want)
	}
	t.Logf("outage ends %v; theory: mitigated %v resolved %v", outageEnd, mitigated, resolved)

	// Policy: at risk when the page fired, exhausted (releases frozen)
	// once the budget ran out.
	t.Logf("policy changes %+v", in.Policy)
	if len(in.Policy) < 2 || in.Policy[0].To != budget.AtRisk || !in.Policy[0].Time.Equal(in.Detection.ClockTime) ||
		in.Policy[len(in.Policy)-1].To != budget.Exhausted {
		t.Errorf("policy changes %+v, want at_risk at detection, then exhausted", in.Policy)
	}

	// The callbacks: opened first, closed last, in order.
	if n := len(log.evs); n < 3 || log.evs[0].Kind != budget.IncidentOpened || log.evs[n-1].Kind != budget.IncidentEnded {
		t.Fatalf("events %+v", log.evs)
	}
	for i := 1; i < len(log.evs); i++ {
		if log.evs[i].Time.Before(log.evs[i-1].Time) {
			t.Errorf("event %d at %v before %v", i, log.evs[i].Time, log.evs[i-1].Time)
		}
	}
	if got := strings.Count(logs.String(), "errbudget: incident 1 "); got != 2 {
		t.Errorf("%d incident log lines, want 2 (open, close):\n%s", got, logs.String())
	}
}

// incidentRun plays one script per objective (same start and length) into
// a fresh tracker, evaluating every 10 s from the last minute of the first
// evalFrom seconds on, and returns the tracker.
func incidentRun(t *testing.T, evalFrom int, scripts map[string]*script, opts ...budget.Option) *budget.Tracker {
	t.Helper()
	var objs []sli.Objective
	var names []string
	for name := range scripts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, n := range names {
		objs = append(objs, availability(n))
		scripts[n].sums()
	}
	clk := budgettest.NewClock(t0)
	tr, err := budget.New(objs, append([]budget.Option{budget.WithClock(clk.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	first := scripts[names[0]]
	for i := range first.good {
		at := first.at(i)
		clk.Set(at)
		if i >= evalFrom-60 && at.Unix()%10 == 0 {
			tr.Status()
		}
		for _, n := range names {
			s, _ := tr.Series(n, "")
			sc := scripts[n]
			if g := sc.good[i]; g > 0 {
				s.RecordN(sli.Event{Time: at, Outcome: sli.Good}, g)
			}
			if b := sc.bad[i]; b > 0 {
				s.RecordN(sli.Event{Time: at, Outcome: sli.Bad}, b)
			}
		}
	}
	return tr
}

// outageScript is a clean day at 10 events/s, then for each gap in gaps a
// 10-minute outage after that many clean seconds, then tail clean seconds.
func outageScript(lead int, gaps []int, tail int) *script {
	sc := &script{start: t0}
	sc.add(24*3600+lead, 10, 0)
	for i, g := range gaps {
		if i > 0 {
			sc.add(g, 10, 0)
		}
		sc.add(600, 0, 10)
	}
	sc.add(tail, 10, 0)
	return sc
}

// Two objectives failing with overlapping spans make one incident, with
// each one's share.
func TestIncidentOverlappingObjectivesAreOne(t *testing.T) {
	tr := incidentRun(t, 24*3600, map[string]*script{
		"api":  outageScript(0, []int{0}, 8*3600),
		"chat": outageScript(300, []int{0}, 8*3600-300), // 5 minutes later
	})
	ins := tr.Incidents()
	if len(ins) != 1 || len(ins[0].Series) != 2 {
		t.Fatalf("%d incidents (%+v), want 1 with 2 series", len(ins), ins)
	}
	in := ins[0]
	if in.Series[0].Objective != "api" || in.Series[1].Objective != "chat" || in.Detection.Objective != "api" {
		t.Errorf("series %s, %s detected by %s; want api, chat by api", in.Series[0].Objective, in.Series[1].Objective, in.Detection.Objective)
	}
	for _, s := range in.Series {
		if s.Bad != 6000 {
			t.Errorf("%s: %d bad events, want 6000", s.Objective, s.Bad)
		}
	}
	if !in.Onset.Equal(in.Series[0].Onset) || !in.Series[1].Onset.Equal(in.Series[0].Onset.Add(5*time.Minute)) {
		t.Errorf("onsets %v %v, incident %v", in.Series[0].Onset, in.Series[1].Onset, in.Onset)
	}
	if _, bad := in.Events(); bad != 12000 {
		t.Errorf("incident bad %d, want 12000", bad)
	}
}

// With the default rules ticket-3d keeps firing about 6 h 10 min after a
// 10-minute outage (until its 6h short window drops it), and the quiet
// period adds 30 minutes: outages 7 h apart are two incidents, 30 minutes
// apart one.
func TestIncidentOutagesApartAndTogether(t *testing.T) {
	for _, c := range []struct {
		gap  time.Duration
		want int
	}{{7 * time.Hour, 2}, {30 * time.Minute, 1}} {
		t.Run(c.gap.String(), func(t *testing.T) {
			tr := incidentRun(t, 24*3600, map[string]*script{"api": outageScript(0, []int{0, int(c.gap / time.Second)}, 7*3600)})
			ins := tr.Incidents()
			if len(ins) != c.want {
				t.Fatalf("%d incidents, want %d", len(ins), c.want)
			}
			for _, in := range ins {
				if in.State != budget.IncidentClosed {
					t.Errorf("incident %d %v, want closed", in.ID, in.State)
				}
			}
			if _, bad := ins[0].Events(); c.want == 1 && bad != 12000 || c.want == 2 && bad != 6000 {
				t.Errorf("newest incident: %d bad events", bad)
			}
			if c.want == 2 && (ins[0].ID != 2 || ins[1].ID != 1) {
				t.Errorf("ids %d, %d: want newest first", ins[0].ID, ins[1].ID)
			}
		})
	}
}

// A slow burn (burn rate 4 for 19 hours after three clean days) fires the
// ticket alerts and no page; the incident's onset, 19 hours back, is found
// at 5-minute resolution, and its counts stay exact across the tiers.
func TestIncidentSlowBurnOnsetAtFiveMinutes(t *testing.T) {
	sc := &script{start: t0}
	clean := 3 * 24 * 3600
	sc.add(clean, 25, 0)
	for range 19 * 360 { // one failure in 250 events: burn 4 in every 10 s
		sc.add(1, 24, 1)
		sc.add(9, 25, 0)
	}
	tr := incidentRun(t, clean, map[string]*script{"api": sc})
	ins := tr.IncidentsAt(sc.at(len(sc.good)))
	if len(ins) != 1 {
		t.Fatalf("%d incidents, want 1", len(ins))
	}
	in := ins[0]
	burnStart := sc.at(clean)
	t.Logf("onset %v detected %v by %s", in.Onset, in.Detection.ClockTime, in.Detection.Rule.Name)
	if !in.Onset.Equal(burnStart) || in.OnsetResolution != 5*time.Minute {
		t.Errorf("onset %v at %v, want %v at 5m", in.Onset, in.OnsetResolution, burnStart)
	}
	if in.State != budget.IncidentOpen || in.Detection.Rule.Severity != budget.Ticket {
		t.Errorf("state %v, detected by %s (%s): want open, a ticket", in.State, in.Detection.Rule.Name, in.Detection.Rule.Severity)
	}
	for _, name := range in.Series[0].Alerts {
		if strings.HasPrefix(name, "page") {
			t.Errorf("%s fired", name)
		}
	}
	if d := in.Detection.ClockTime.Sub(burnStart); d < 18*time.Hour || d > 19*time.Hour {
		t.Errorf("detected %v after the burn began", d)
	}
	g, b := sc.between(in.Onset, sc.at(len(sc.good)))
	if is := in.Series[0]; is.Good != g || is.Bad != b {
		t.Errorf("events %d/%d, want %d/%d", is.Good, is.Bad, g, b)
	}
}

// An incident open at a restart stays open, and closes after it as it
// would have without one; the cap on kept incidents holds across it.
func TestIncidentSurvivesRestart(t *testing.T) {
	sc := outageScript(0, []int{0}, 8*3600)
	sc.sums()
	day := 24 * 3600
	store := &state.MemoryStore{}
	clk := budgettest.NewClock(t0)
	open := func() (*budget.Tracker, *budget.Series) {
		tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
			budget.WithStore(store, time.Minute), budget.WithIncidents(budget.IncidentOptions{Keep: 1}))
		if err != nil {
			t.Fatal(err)
		}
		s, _ := tr.Series("api", "")
		return tr, s
	}
	tr, s := open()
	sc.play(clk, tr, []*budget.Series{s}, 0, day-60, false)
	restartAt := day + 3600 // an hour after the outage began: ticket alerts still fire
	sc.play(clk, tr, []*budget.Series{s}, day-60, restartAt, true)
	before := tr.Incidents()
	if len(before) != 1 || before[0].State != budget.IncidentOpen {
		t.Fatalf("before the restart: %+v", before)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	tr, s = open()
	after := tr.Incidents()
	if r := after[0].Restarts; len(r) != 1 || !r[0].Started.Equal(clk.Now()) || r[0].Saved.After(r[0].Started) {
		t.Errorf("restarts %+v, want one at %v", r, clk.Now())
	}
	if len(after) != 1 || after[0].State != budget.IncidentOpen || after[0].ID != 1 ||
		!after[0].Onset.Equal(before[0].Onset) || after[0].Series[0].Bad != before[0].Series[0].Bad {
		t.Fatalf("after the restart: %+v, want %+v", after, before)
	}
	sc.play(clk, tr, []*budget.Series{s}, restartAt, len(sc.good), true)
	ins := tr.Incidents()
	if len(ins) != 1 || ins[0].State != budget.IncidentClosed || ins[0].Series[0].Bad != 6000 {
		t.Fatalf("incidents %+v, want one closed with 6000 bad events", ins)
	}
	if !ins[0].Closed.Equal(ins[0].Resolved.Add(30 * time.Minute)) {
		t.Errorf("closed %v, resolved %v", ins[0].Closed, ins[0].Resolved)
	}

	// A second outage: Keep 1 leaves only the newest, numbered on.
	clk.Advance(time.Hour)
	tr2, s2 := tr, s
	sc2 := outageScript(0, []int{0}, 8*3600)
	sc2.start = clk.Now().Truncate(10 * time.Second).Add(-24 * time.Hour)
	sc2.sums()
	sc2.play(clk, tr2, []*budget.Series{s2}, day-60, len(sc2.good), true)
	if err := tr2.Close(); err != nil {
		t.Fatal(err)
	}
	tr3, _ := open()
	if ins := tr3.Incidents(); len(ins) != 1 || ins[0].ID != 2 || ins[0].State != budget.IncidentClosed {
		t.Fatalf("after a second outage and a restart: %+v, want incident 2 alone", ins)
	}
	tr3.Close()
}

// A change marked 10 minutes before an outage is a candidate trigger of its
// incident; one 2 hours before is not.
func TestIncidentCandidateTriggers(t *testing.T) {
	sc := outageScript(0, []int{0}, 3600)
	sc.sums()
	day := 24 * 3600
	outage := sc.at(day)
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithVersion("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.MarkChangeAt(outage.Add(-2*time.Hour), "config push"); err != nil {
		t.Fatal(err)
	}
	if err := tr.MarkChangeAt(outage.Add(-10*time.Minute), "flag checkout-v2 on"); err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	sc.play(clk, tr, []*budget.Series{s}, 0, day-60, false)
	sc.play(clk, tr, []*budget.Series{s}, day-60, len(sc.good), true)
	ins := tr.Incidents()
	if len(ins) != 1 {
		t.Fatalf("%d incidents", len(ins))
	}
	if c := ins[0].Candidates; len(c) != 1 || c[0].Description != "flag checkout-v2 on" || c[0].Kind != budget.ChangeMarked {
		t.Errorf("candidates %+v, want the flag alone", c)
	}
	if n := len(tr.Changes()); n != 3 { // the first start of v1, and the two marked
		t.Errorf("%d changes, want 3: %+v", n, tr.Changes())
	}
}

// A restart with a new build version records a change by itself; one with
// the same version does not.
func TestChangeOnNewVersionOnly(t *testing.T) {
	store := &state.MemoryStore{}
	clk := budgettest.NewClock(t0)
	start := func(v string) []budget.Change {
		tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now), budget.WithStore(store, time.Minute), budget.WithVersion(v))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		clk.Advance(time.Minute)
		return tr.Changes()
	}
	for i, c := range []struct {
		version string
		want    int
	}{{"v1", 1}, {"v1", 1}, {"v2", 2}, {"v2", 2}, {"v1", 3}} {
		got := start(c.version)
		if len(got) != c.want || got[len(got)-1].Version != c.version || got[len(got)-1].Kind != budget.ChangeVersion {
			t.Errorf("start %d (%s): changes %+v, want %d ending with %s", i, c.version, got, c.want, c.version)
		}
	}
}

// Marking the first scenario's incident a false positive restores the
// budget by its bad events, exactly (its onset and end fall on the edges
// of the 5-minute buckets that hold them by then), and the status says why.
func TestIncidentMarkedFalsePositive(t *testing.T) {
	sc := outageScript(0, []int{0}, 8*3600)
	sc.sums()
	day := 24 * 3600
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	sc.play(clk, tr, []*budget.Series{s}, 0, day-60, false)
	sc.play(clk, tr, []*budget.Series{s}, day-60, len(sc.good), true)
	before := tr.Status()[0]
	in := tr.Incidents()[0]
	if err := tr.MarkFalsePositive(in.ID, "synthetic probe misconfigured"); err != nil {
		t.Fatal(err)
	}
	after := tr.Status()[0]
	if d := before.Bad - after.Bad; d != in.Series[0].Bad || d != 6000 {
		t.Errorf("bad events restored: %d, want %d", d, in.Series[0].Bad)
	}
	if after.Remaining.Value <= before.Remaining.Value {
		t.Errorf("remaining %v, was %v", after.Remaining, before.Remaining)
	}
	found := false
	for _, c := range after.Corrections {
		found = found || strings.Contains(c.Reason, "incident 1 marked a false positive: synthetic probe misconfigured")
	}
	if !found {
		t.Errorf("corrections %+v say nothing of the incident", after.Corrections)
	}
	if cs := tr.Incidents()[0].Corrections; len(cs) != 1 || cs[0].ID != "incident-1-1" || !cs[0].Start.Equal(in.Onset) {
		t.Errorf("the incident lists corrections %+v, want its own", cs)
	}
	if err := tr.MarkFalsePositive(99, "x"); err == nil {
		t.Error("an unknown incident marked")
	}
}

// Regression: with a quiet period shorter than a bucket, the incident
// closed before the bucket of its resolution was counted, and lost the
// events in it (found by TestIncidentOpenAcrossRealRestart/killed).
func TestRegressionIncidentClosesAfterItsLastBucketIsCounted(t *testing.T) {
	clk := budgettest.NewClock(t0)
	tr, err := budget.New([]sli.Objective{availability("api")}, budget.WithClock(clk.Now),
		budget.WithIncidents(budget.IncidentOptions{Quiet: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tr.Series("api", "")
	clk.Advance(2 * time.Second) // 2 s into a bucket
	s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 200)
	tr.Status() // fires
	clk.Advance(time.Second)
	s.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 1_000_000)
	for range 20 { // every second, as far as the next bucket and beyond
		tr.Status()
		clk.Advance(time.Second)
	}
	ins := tr.Incidents()
	if len(ins) != 1 || ins[0].State != budget.IncidentClosed {
		t.Fatalf("incidents %+v, want one closed", ins)
	}
	if g, b := ins[0].Events(); b != 200 || g != 1_000_000 {
		t.Errorf("events %d good, %d bad; want 1000000 and 200", g, b)
	}
	if ins[0].Closed.Before(t0.Add(10 * time.Second)) {
		t.Errorf("closed at %v, before its last bucket ended", ins[0].Closed)
	}
}
