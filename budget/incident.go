package budget

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/errbudget/errbudget/internal/window"
)

// Incidents.
//
// An incident is what the alerts say happened, written down while it
// happens: it opens when an alert of an opening severity fires
// (IncidentOptions.Severities) and closes when every such alert of it has
// resolved and the quiet period has passed without one firing again.
// Alerts of several objectives, or several groups of one, that fire while
// an incident is open (quiet period included) join it: overlapping
// outages are one incident, with each series' share in Incident.Series.
//
// Everything is computed on the read side, when a status is evaluated at
// the clock's reading (Status, Run, the endpoint), never per event: the
// recording path does not know incidents exist. So the clock times below
// (detection, mitigation, resolution, closing) are the times of the
// evaluations that saw them, and depend on how often Run or a reader
// evaluates; metric times (onset, Detection.MetricTime) come from the
// buckets and do not.

// IncidentOptions configures incident tracking (WithIncidents). Zero fields
// mean the defaults.
type IncidentOptions struct {
	// Severities are the severities whose alerts open incidents and keep
	// them open: Page and Ticket when empty.
	Severities []Severity
	// Quiet is how long every alert of an incident must stay resolved
	// before it closes: DefaultIncidentQuiet when zero.
	Quiet time.Duration
	// Keep is how many closed incidents the tracker keeps (and its state
	// file stores): DefaultIncidentKeep when zero.
	Keep int
}

// Incident tracking defaults.
const (
	DefaultIncidentQuiet = 30 * time.Minute
	DefaultIncidentKeep  = 100
)

// WithIncidents sets which alerts open incidents, the quiet period that
// closes them and how many are kept. Without it the defaults apply.
func WithIncidents(o IncidentOptions) Option {
	return optionFunc(func(t *Tracker) { t.inc.opts = o })
}

// OnIncident adds a function called when an incident opens, changes
// (a series joins, an alert of it fires or resolves, it is mitigated,
// resolved or reopened) or closes. It is delivered like transitions
// (OnTransition): outside any lock, one at a time, in the order detected,
// after the transition that caused it.
func OnIncident(f func(IncidentEvent)) Option {
	return optionFunc(func(t *Tracker) { t.incHandlers = append(t.incHandlers, f) })
}

// IncidentState is where an incident is in its life.
type IncidentState uint8

const (
	// IncidentOpen: an alert of it fires.
	IncidentOpen IncidentState = iota + 1
	// IncidentResolved: every alert of it has resolved; it closes when
	// the quiet period passes without one firing again.
	IncidentResolved
	// IncidentClosed: over.
	IncidentClosed
)

var incidentStateNames = []string{IncidentOpen: "open", IncidentResolved: "resolved", IncidentClosed: "closed"}

// String returns "open", "resolved" or "closed".
func (s IncidentState) String() string {
	return enumString(incidentStateNames, uint8(s), "IncidentState")
}

// IncidentEventKind says what happened to an incident.
type IncidentEventKind uint8

const (
	// IncidentOpened: the first alert fired.
	IncidentOpened IncidentEventKind = iota + 1
	// IncidentUpdated: a series joined, an alert fired or resolved, the
	// incident was mitigated, resolved or reopened.
	IncidentUpdated
	// IncidentEnded: the quiet period passed (the incident closed).
	IncidentEnded
)

var incidentEventNames = []string{IncidentOpened: "opened", IncidentUpdated: "updated", IncidentEnded: "closed"}

// String returns "opened", "updated" or "closed".
func (k IncidentEventKind) String() string {
	return enumString(incidentEventNames, uint8(k), "IncidentEventKind")
}

// IncidentEvent is one change of an incident, with the incident as it
// stood after it.
type IncidentEvent struct {
	Kind IncidentEventKind
	// Time is the evaluation that saw it (the clock's reading).
	Time time.Time
	// What says what changed, for people ("page-1h fired for api").
	What     string
	Incident Incident
}

// Detection is the alert that detected an incident (or brought a series
// into it).
type Detection struct {
	Objective string
	Group     string
	// Rule is the alert rule that fired (its severity and window pair).
	Rule      AlertRule
	Threshold float64
	// LongBurn and ShortBurn are the two windows' burn rates when it fired.
	LongBurn, ShortBurn Float
	// MetricTime is when the data crossed, at bucket resolution: the start
	// of the earliest fine bucket (10 s) from which on the rule fires over
	// windows ending at each bucket's end, searched back from ClockTime.
	// ClockTime is the evaluation that saw it fire and delivered the
	// transition: it lags MetricTime by up to the evaluation interval.
	MetricTime, ClockTime time.Time
}

// IncidentSeries is one objective's (or group's) share of an incident.
type IncidentSeries struct {
	Objective string
	Group     string
	// Onset is the start of the run of buckets with a burn rate above 1
	// that ends at this series' detection (empty buckets do not break it),
	// searched back over the firing rule's long window in the finest tier
	// that still held it; OnsetResolution is that tier's bucket width.
	Onset           time.Time
	OnsetResolution time.Duration
	// Detection is the first alert of this series in the incident.
	Detection Detection
	// Alerts names the rules of this series that fired during the
	// incident, in the order they first fired; Firing those firing now.
	Alerts, Firing []string
	// Good and Bad count this series' events from Onset to the incident's
	// resolution (to the latest evaluation while it is open), exact at
	// 10-second buckets.
	Good, Bad int64
	// PeakBurn5m is the highest 5m burn rate an evaluation saw, at PeakAt.
	PeakBurn5m Float
	PeakAt     time.Time
	// PeriodEvents counts the events of the SLO period at the latest
	// evaluation (at the close, once closed); Consumed is Bad ÷ ((1 −
	// target) × PeriodEvents): the share of the period's budget the
	// incident spent.
	PeriodEvents int64
	Consumed     Float
	// RemainingAtOnset is the budget remaining over the period ending at
	// Onset (at the period tier's resolution, 15 minutes for long
	// periods); RemainingAtClose the status' figure at the latest
	// evaluation (at the close, once closed).
	RemainingAtOnset, RemainingAtClose Float
}

// Incident is one incident: what errbudget saw, with exact counts. It
// records what the system did; the judgement is left to people.
type Incident struct {
	// ID numbers incidents from 1, in the order they opened.
	ID    int64
	State IncidentState
	// Onset is the earliest onset of its series ("OUTAGE BEGINS"),
	// OnsetResolution that series' bucket width.
	Onset           time.Time
	OnsetResolution time.Duration
	// Detection is the alert that opened it ("INCIDENT BEGINS").
	Detection Detection
	// PeakBurn5m is the highest 5m burn rate of any of its series, at
	// PeakAt.
	PeakBurn5m Float
	PeakAt     time.Time
	// Mitigated is the first evaluation at which every series' 5m burn
	// rate was back at or below 1 ("OUTAGE MITIGATED"); zero while not
	// (it is cleared when the burn rises above 1 again).
	Mitigated time.Time
	// Resolved is when every alert of it had resolved ("OUTAGE ENDS");
	// zero while one fires.
	Resolved time.Time
	// Closed is when the quiet period after Resolved passed ("INCIDENT
	// ENDS"); zero while open.
	Closed time.Time
	// Series are the objectives and groups affected, in the order they
	// joined.
	Series []IncidentSeries
	// Policy are the error-budget policy changes of its series while it
	// was open or resolved, in order: releases froze when one went to
	// Exhausted (unless Advisory) and were allowed again when it left.
	Policy []PolicyChange
	// Restarts are the restarts (state restored) while it was open: the
	// counts between Saved and Started were never recorded.
	Restarts []Restart
	// Corrections are the corrections (one entry per occurrence) that
	// overlap [Onset, Resolved] (to now while unresolved), read when the
	// incident is read: a false positive's (MarkFalsePositive) among them.
	Corrections []Correction
	// Candidates are the changes kept (Tracker.Changes) that took effect
	// within CandidateWindow before Onset, or inside the onset's bucket
	// (before Onset + OnsetResolution): candidate triggers, never a
	// cause.
	Candidates []Change
}

// PolicyChange is a policy transition of a series inside an incident.
type PolicyChange struct {
	Time             time.Time
	Objective, Group string
	From, To         PolicyState
	Advisory         bool // the objective holds no release back
}

// Restart is a restart inside an incident: the state saved at Saved was
// restored by a process that started at Started.
type Restart struct{ Saved, Started time.Time }

// TimeToDetect returns detection − onset, by metric time and by clock time.
func (in Incident) TimeToDetect() (metric, clock time.Duration) {
	return in.Detection.MetricTime.Sub(in.Onset), in.Detection.ClockTime.Sub(in.Onset)
}

// Events returns the good and bad events of all its series.
func (in Incident) Events() (good, bad int64) {
	for _, s := range in.Series {
		good, bad = window.AddCount(good, s.Good), window.AddCount(bad, s.Bad)
	}
	return good, bad
}

func (in Incident) clone() Incident {
	in.Series = slices.Clone(in.Series)
	in.Candidates = slices.Clone(in.Candidates)
	in.Corrections = slices.Clone(in.Corrections)
	in.Policy = slices.Clone(in.Policy)
	in.Restarts = slices.Clone(in.Restarts)
	for i := range in.Series {
		in.Series[i].Alerts = slices.Clone(in.Series[i].Alerts)
		in.Series[i].Firing = slices.Clone(in.Series[i].Firing)
	}
	return in
}

// Incidents returns the incidents kept, newest first, as of the latest
// evaluation: it evaluates nothing. IncidentsAt evaluates first.
func (t *Tracker) Incidents() []Incident {
	t.inc.mu.Lock()
	out := make([]Incident, 0, len(t.inc.done)+1)
	if t.inc.open != nil {
		out = append(out, t.inc.open.Incident.clone())
	}
	for i := len(t.inc.done) - 1; i >= 0; i-- {
		out = append(out, t.inc.done[i].clone())
	}
	t.inc.mu.Unlock()
	for i := range out {
		t.readExtras(&out[i])
	}
	return out
}

// readExtras fills what is read from elsewhere when an incident is read:
// the candidate triggers and the overlapping corrections.
func (t *Tracker) readExtras(in *Incident) {
	in.Candidates = t.candidates(in.Onset, in.OnsetResolution)
	end := in.Resolved
	if end.IsZero() {
		end = t.now()
	}
	seen := map[string]bool{}
	for _, s := range in.Series {
		if seen[s.Objective] {
			continue
		}
		seen[s.Objective] = true
		for _, c := range t.correctionsFor(s.Objective, in.Onset, end) {
			k := c.ID + "@" + c.Start.String()
			if c.Start.Before(end) && c.End.After(in.Onset) && !seen[k] {
				seen[k] = true
				in.Corrections = append(in.Corrections, c)
			}
		}
	}
}

// IncidentsAt evaluates the status at now (StatusAt: at the clock's
// reading this detects transitions and moves incidents on), then returns
// the incidents, newest first.
func (t *Tracker) IncidentsAt(now time.Time) []Incident {
	t.StatusAt(now)
	return t.Incidents()
}

// Incident returns the incident with the given id, if still kept.
func (t *Tracker) Incident(id int64) (Incident, bool) {
	var in Incident
	t.inc.mu.Lock()
	if o := t.inc.open; o != nil && o.ID == id {
		in = o.Incident.clone()
	}
	for _, x := range t.inc.done {
		if x.ID == id {
			in = x.clone()
		}
	}
	t.inc.mu.Unlock()
	if in.ID == 0 {
		return Incident{}, false
	}
	t.readExtras(&in)
	return in, true
}

// incidents is a tracker's incident book. Its mutex is taken under a
// series' mutex (statusLocked), never the other way round.
type incidents struct {
	opts   IncidentOptions
	mu     sync.Mutex
	lastID int64
	open   *openIncident
	done   []Incident // closed, oldest first, at most keep
}

type openIncident struct {
	Incident
	members map[*Series]*member
}

// member is a series' part in the open incident.
type member struct {
	i      int   // index in Incident.Series
	next   int64 // the next fine bucket to count
	burn5m Float
	firing map[string]bool
}

func (b *incidents) quiet() time.Duration {
	if b.opts.Quiet > 0 {
		return b.opts.Quiet
	}
	return DefaultIncidentQuiet
}

func (b *incidents) keep() int {
	if b.opts.Keep > 0 {
		return b.opts.Keep
	}
	return DefaultIncidentKeep
}

func (b *incidents) opens(sev Severity) bool {
	if len(b.opts.Severities) == 0 {
		return sev == Page || sev == Ticket
	}
	return slices.Contains(b.opts.Severities, sev)
}

func (b *incidents) validate() error {
	for _, s := range b.opts.Severities {
		if s != Page && s != Ticket {
			return fmt.Errorf("budget: WithIncidents: severity must be %q or %q, got %q", Page, Ticket, s)
		}
	}
	if b.opts.Quiet < 0 || b.opts.Keep < 0 {
		return fmt.Errorf("budget: WithIncidents: quiet period and count must not be negative, got %v and %d", b.opts.Quiet, b.opts.Keep)
	}
	return nil
}

// observeLocked moves the incidents on after s was evaluated at now (the
// clock's reading) with status st. It runs under s.mu, which guards s.ring.
// Incident events are numbered after the transitions of the same
// evaluation, so they are delivered after them.
func (s *Series) observeLocked(now time.Time, st *Status, trs []numbered) []numbered {
	b := &s.tr.inc
	var fired, resolved []Alert
	b.mu.Lock()
	defer b.mu.Unlock()
	rec := b.open
	var m *member
	if rec != nil {
		m = rec.members[s]
	}
	for _, a := range st.Alerts {
		if !b.opens(a.Rule.Severity) {
			continue
		}
		known := m != nil && m.firing[a.Rule.Name]
		switch {
		case a.Firing && !known:
			fired = append(fired, a)
		case !a.Firing && known:
			resolved = append(resolved, a)
		}
	}
	if rec == nil && len(fired) == 0 {
		return trs
	}
	emit := func(kind IncidentEventKind, what string) {
		ev := &IncidentEvent{Kind: kind, Time: now, What: what, Incident: rec.Incident.clone()}
		trs = append(trs, numbered{seq: s.tr.seq.Add(1), inc: ev})
	}
	who := func() string { // built when an event says it: most evaluations emit none
		if s.group == "" {
			return s.obj.Name
		}
		return s.obj.Name + "[" + s.group + "]"
	}
	for _, a := range fired {
		if rec == nil {
			b.lastID++
			rec = &openIncident{Incident: Incident{ID: b.lastID, State: IncidentOpen}, members: map[*Series]*member{}}
			b.open = rec
		}
		if m == nil {
			m = s.joinLocked(rec, a, now)
			if len(rec.Series) == 1 {
				rec.Detection = rec.Series[0].Detection
				emit(IncidentOpened, fmt.Sprintf("%s fired for %s", a.Rule.Name, who()))
				continue
			}
			emit(IncidentUpdated, fmt.Sprintf("%s joined: %s fired", who(), a.Rule.Name))
			continue
		}
		m.firing[a.Rule.Name] = true
		is := &rec.Series[m.i]
		if !slices.Contains(is.Alerts, a.Rule.Name) {
			is.Alerts = append(is.Alerts, a.Rule.Name)
		}
		is.Firing = firingNames(s.tr.rules, m.firing)
		if rec.State == IncidentResolved {
			rec.State, rec.Resolved = IncidentOpen, time.Time{}
			emit(IncidentUpdated, fmt.Sprintf("reopened: %s fired for %s", a.Rule.Name, who()))
			continue
		}
		emit(IncidentUpdated, fmt.Sprintf("%s fired for %s", a.Rule.Name, who()))
	}
	if m != nil && len(resolved) > 0 {
		for _, a := range resolved {
			delete(m.firing, a.Rule.Name)
		}
		rec.Series[m.i].Firing = firingNames(s.tr.rules, m.firing)
		for _, a := range resolved {
			emit(IncidentUpdated, fmt.Sprintf("%s resolved for %s", a.Rule.Name, who()))
		}
	}
	if m != nil {
		s.countLocked(rec, m, now, st)
		for _, x := range trs {
			if x.inc == nil && x.tr.Kind == PolicyChanged && x.tr.Time.Equal(now) && x.tr.Objective == s.obj.Name && x.tr.Group == s.group {
				rec.Policy = append(rec.Policy, PolicyChange{Time: now, Objective: s.obj.Name, Group: s.group, From: x.tr.From, To: x.tr.To, Advisory: s.obj.Advisory})
				emit(IncidentUpdated, fmt.Sprintf("policy of %s: %s → %s", who(), x.tr.From, x.tr.To))
			}
		}
	}

	firing, burning := false, false
	for _, x := range rec.members { // every series evaluated looks: stop at the answer
		firing = firing || len(x.firing) > 0
		burning = burning || exceeds(x.burn5m, 1)
		if firing && burning {
			break
		}
	}
	switch {
	case rec.State == IncidentOpen && !firing:
		rec.State, rec.Resolved = IncidentResolved, now
		emit(IncidentUpdated, "resolved: every alert resolved")
	case burning && !rec.Mitigated.IsZero() && rec.State == IncidentOpen:
		rec.Mitigated = time.Time{}
		emit(IncidentUpdated, "burning again: a 5m burn rate is above 1")
	}
	if !burning && rec.Mitigated.IsZero() {
		rec.Mitigated = now
		emit(IncidentUpdated, "mitigated: every 5m burn rate is at or below 1")
	}
	if rec.State == IncidentResolved && !now.Before(rec.Resolved.Add(b.quiet())) && rec.countedThroughResolution() {
		rec.State, rec.Closed = IncidentClosed, now
		done := rec.Incident.clone()
		b.done = append(b.done, done)
		if k := b.keep(); len(b.done) > k {
			b.done = slices.Delete(b.done, 0, len(b.done)-k)
		}
		b.open = nil
		emit(IncidentEnded, fmt.Sprintf("closed after %v quiet", b.quiet()))
	}
	return trs
}

// countedThroughResolution reports whether every member has counted the
// bucket of the resolution: closing earlier (a quiet period shorter than a
// bucket) would leave its last events out.
func (rec *openIncident) countedThroughResolution() bool {
	rb := window.FloorDiv(rec.Resolved.UnixNano(), window.FineWidth)
	for _, m := range rec.members {
		if m.next <= rb {
			return false
		}
	}
	return true
}

func firingNames(rules []AlertRule, firing map[string]bool) []string {
	var out []string
	for _, r := range rules {
		if firing[r.Name] {
			out = append(out, r.Name)
		}
	}
	return out
}

// joinLocked adds s to rec on the firing of a: it finds the onset and the
// metric time of detection now, while the fine buckets still hold them.
func (s *Series) joinLocked(rec *openIncident, a Alert, now time.Time) *member {
	onset, res := s.onsetLocked(a.Rule, now)
	det := Detection{
		Objective: s.obj.Name, Group: s.group, Rule: a.Rule, Threshold: a.Threshold,
		LongBurn: a.LongBurn, ShortBurn: a.ShortBurn,
		MetricTime: s.crossedLocked(a.Rule, now), ClockTime: now,
	}
	if onset.After(det.MetricTime) {
		onset = det.MetricTime
	}
	is := IncidentSeries{
		Objective: s.obj.Name, Group: s.group, Onset: onset, OnsetResolution: res,
		Detection: det, Alerts: []string{a.Rule.Name}, Firing: []string{a.Rule.Name},
		RemainingAtOnset: s.remainingAtLocked(onset),
	}
	m := &member{i: len(rec.Series), next: window.FloorDiv(onset.UnixNano(), window.FineWidth), firing: map[string]bool{a.Rule.Name: true}}
	rec.Series = append(rec.Series, is)
	rec.members[s] = m
	if rec.Onset.IsZero() || onset.Before(rec.Onset) {
		rec.Onset, rec.OnsetResolution = onset, res
	}
	return m
}

// onsetLocked returns the start of the run of buckets with a burn rate
// above 1 that ends at now (trailing buckets at or below 1 skipped, empty
// buckets not breaking the run), searched back over r's long window in the
// finest tier that holds it, and that tier's width.
func (s *Series) onsetLocked(r AlertRule, now time.Time) (time.Time, time.Duration) {
	end := now.UnixNano()
	t, from, to := s.ring.TierFor(end-int64(r.LongWindow), end)
	onset := int64(-1 << 62)
	for b := to; b >= from; b-- {
		c := t.Sum(b, b)
		if c.Total() == 0 {
			continue
		}
		if exceeds(BurnRate(c.Good, c.Bad, s.obj.Target), 1) {
			onset = b
		} else if onset != -1<<62 {
			break
		}
	}
	if onset == -1<<62 {
		return now, time.Duration(t.Width())
	}
	return time.Unix(0, onset*t.Width()).In(now.Location()), time.Duration(t.Width())
}

// crossedLocked returns the start of the earliest fine bucket from which
// on r fires over windows ending at each bucket's end, up to now: when the
// data crossed, at bucket resolution. It looks back at most r's short
// window.
func (s *Series) crossedLocked(r AlertRule, now time.Time) time.Time {
	end := now.UnixNano()
	nb := window.FloorDiv(end, window.FineWidth)
	period := s.periodAt(now)
	first := nb
	for b := nb - 1; b >= nb-int64(r.ShortWindow)/window.FineWidth; b-- {
		e := (b+1)*window.FineWidth - 1
		a := r.evaluate(countsOf(s.ring.Window(r.LongWindow, e)), countsOf(s.ring.Window(r.ShortWindow, e)), s.obj.Target, period)
		if !a.Firing {
			break
		}
		first = b
	}
	return time.Unix(0, first*window.FineWidth).In(now.Location())
}

func (s *Series) periodAt(now time.Time) time.Duration {
	start, end := s.obj.Window.Bounds(now, s.slo.loc)
	return end.Sub(start)
}

// remainingAtLocked returns the budget remaining over the period ending at
// at, at the resolution of the tier that serves the period.
func (s *Series) remainingAtLocked(at time.Time) Float {
	end := at.UnixNano() - 1
	start, pend := s.obj.Window.Bounds(at, s.slo.loc)
	var c counts
	if s.obj.Window.IsCalendar() {
		c = countsOf(s.ring.Between(start.UnixNano(), end))
	} else {
		c = countsOf(s.ring.Window(pend.Sub(start), end))
	}
	return Remaining(c.good, c.bad, s.obj.Target)
}

// countLocked adds the complete fine buckets since the last count (up to
// the bucket of the resolution once resolved) to m's series, and takes the
// status' figures.
func (s *Series) countLocked(rec *openIncident, m *member, now time.Time, st *Status) {
	is := &rec.Series[m.i]
	hi := window.FloorDiv(now.UnixNano(), window.FineWidth) - 1
	if rec.State == IncidentResolved {
		hi = min(hi, window.FloorDiv(rec.Resolved.UnixNano(), window.FineWidth))
	}
	if span := int64(maxAlertWindow) / window.FineWidth * 2; m.next < hi-span {
		m.next = hi - span // a restored cursor from a damaged file: the ring holds nothing older
	}
	if hi >= m.next {
		c := countsOf(s.ring.FineRange(m.next, hi))
		is.Good, is.Bad = window.AddCount(is.Good, c.good), window.AddCount(is.Bad, c.bad)
		m.next = hi + 1
	}
	m.burn5m = st.BurnRateOf("5m")
	if m.burn5m.Valid && (!is.PeakBurn5m.Valid || m.burn5m.Value > is.PeakBurn5m.Value) {
		is.PeakBurn5m, is.PeakAt = m.burn5m, now
	}
	if m.burn5m.Valid && (!rec.PeakBurn5m.Valid || m.burn5m.Value > rec.PeakBurn5m.Value) {
		rec.PeakBurn5m, rec.PeakAt = m.burn5m, now
	}
	is.PeriodEvents = st.Total()
	is.RemainingAtClose = st.Remaining
	is.Consumed = BurnRate(is.PeriodEvents-is.Bad, is.Bad, s.obj.Target)
	if is.PeriodEvents < is.Bad {
		is.Consumed = Float{}
	}
}

func (t *Tracker) deliverIncident(ev *IncidentEvent) {
	if t.logger != nil && ev.Kind != IncidentUpdated {
		in := &ev.Incident
		level := slog.LevelWarn
		attrs := []slog.Attr{
			slog.Int64("incident", in.ID),
			slog.String("transition", "incident_"+ev.Kind.String()),
			slog.Time("onset", in.Onset),
			slog.String("alert", in.Detection.Rule.Name),
			slog.String("slo", in.Detection.Objective),
		}
		if ev.Kind == IncidentEnded {
			level = slog.LevelInfo
			good, bad := in.Events()
			attrs = append(attrs, slog.Int64("bad", bad), slog.Int64("total", good+bad), slog.Time("resolved", in.Resolved))
		}
		t.logger.LogAttrs(context.Background(), level, fmt.Sprintf("errbudget: incident %d %s: %s", in.ID, ev.Kind, ev.What), attrs...)
	}
	for _, h := range t.incHandlers {
		h(*ev)
	}
}
