package budget

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// Tracker keeps the live error budget of a set of objectives. Create one with
// New when the application starts, resolve the Series each middleware records
// into, and ask for the status when it is needed (the endpoint, the
// OpenTelemetry view and the release gate do).
//
// A Tracker starts no goroutine. Alert and policy transitions are detected
// when the status is computed; an application that wants them without
// anyone asking runs Run in a goroutine of its own.
//
// A Tracker has no useful zero value: create one with New. All methods are
// safe for concurrent use.
type Tracker struct {
	slos   []*SLO
	byName map[string]*SLO

	service  string
	clock    func() time.Time
	clockSet bool // WithClock was given: the clock may be a fake one
	logger   *slog.Logger
	rules    []AlertRule
	policy   Policy
	handlers []func(Transition)
	stripes  int

	inc         incidents // incident.go
	incHandlers []func(IncidentEvent)
	chg         changes // change.go
	version     string
	versionSet  bool

	droppedPast, droppedFuture atomic.Int64
	panics                     panicLog // recovered from the application's code (panics.go)

	corrMu      sync.Mutex
	corrList    []Correction
	corrComp    []compiled         // corrList parsed, in the same order
	corrKeys    map[corrKey]int    // how many of corrList declare each key
	corrIDs     map[string]corrKey // the IDs of corrList
	corrections atomic.Pointer[correctionSet]

	persist persistence // the state store (store.go)

	seq        atomic.Uint64 // numbers transitions as they are detected
	evalMu     sync.Mutex    // guards queue, next and delivering
	queue      []numbered    // detected, not yet delivered; ascending
	next       uint64        // the number of the next transition to deliver
	delivering bool

	afterSeries func(*Series) // tests: called after each series' status
}

// Option configures a Tracker.
type Option interface{ apply(*Tracker) }

type optionFunc func(*Tracker)

func (f optionFunc) apply(t *Tracker) { f(t) }

// WithClock sets the clock the tracker reads for Status, for validating
// event times and for Run. Tests pass a fake clock (budgettest.Clock).
// The default is time.Now.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(t *Tracker) { t.clock, t.clockSet = now, true })
}

// DefaultService is the service name of a tracker given no WithService: the
// name OpenTelemetry gives a service that declares none, so that a forgotten
// name is plain to see wherever the declarations travel.
const DefaultService = "unknown_service"

// WithService names the service the objectives belong to (DefaultService
// when not given). The name travels with the declarations: the endpoint's
// JSON carries it as "service", OpenSLO files as spec.service, Prometheus
// rules as sloth_service. Use the name the service's OpenTelemetry resource
// declares (service.name), so that every view agrees.
func WithService(name string) Option {
	return optionFunc(func(t *Tracker) { t.service = name })
}

// WithLogger logs every transition at Info (alerts resolved, policy back to
// healthy) or Warn (alerts fired, policy worsened).
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(t *Tracker) { t.logger = l })
}

// WithAlertRules replaces DefaultAlertRules.
func WithAlertRules(rules []AlertRule) Option {
	return optionFunc(func(t *Tracker) { t.rules = append([]AlertRule(nil), rules...) })
}

// WithPolicy sets the error-budget policy.
func WithPolicy(p Policy) Option {
	return optionFunc(func(t *Tracker) { t.policy = p })
}

// OnTransition adds a function called for every transition, outside any
// lock, one transition at a time and in the order they were detected: each
// series' transitions in the order they happened, whichever goroutine
// computed them. It runs in the goroutine that computed the status, or in
// the one that delivers an earlier transition still on its way when a
// concurrent status found it (see Status). It may call back into the
// tracker. Several may be added.
func OnTransition(f func(Transition)) Option {
	return optionFunc(func(t *Tracker) { t.handlers = append(t.handlers, f) })
}

// New returns a tracker for objs. Every problem with the declarations or the
// options comes back at once in the error.
func New(objs []sli.Objective, opts ...Option) (*Tracker, error) {
	t := &Tracker{
		byName:  make(map[string]*SLO, len(objs)),
		service: DefaultService,
		clock:   time.Now,
		rules:   DefaultAlertRules(),
		stripes: stripeCount(),
		next:    1,
	}
	for _, o := range opts {
		o.apply(t)
	}
	var errs []error
	if len(objs) == 0 {
		errs = append(errs, errors.New("budget: no objectives"))
	}
	if err := sli.ValidateAll(objs); err != nil {
		errs = append(errs, err)
	}
	names := map[string]bool{}
	for _, r := range t.rules {
		if err := r.validate(); err != nil {
			errs = append(errs, err)
		}
		if names[r.Name] {
			errs = append(errs, fmt.Errorf("budget: alert rule %q: name is declared more than once", r.Name))
		}
		names[r.Name] = true
	}
	if err := t.policy.validate(); err != nil {
		errs = append(errs, err)
	}
	if t.clock == nil {
		errs = append(errs, errors.New("budget: WithClock(nil)"))
	}
	if strings.TrimSpace(t.service) == "" {
		errs = append(errs, errors.New("budget: WithService: the service name is empty"))
	}
	if err := t.persist.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := t.inc.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, o := range objs {
		slo := &SLO{tr: t, decl: o, horizon: horizon(o.Window, t.rules)}
		slo.loc, _ = o.Window.Location() // validated above
		if o.GroupBy == "" {
			slo.single = newSeries(t, slo, "")
			slo.order = []*Series{slo.single}
		} else {
			slo.max = o.MaxGroups
			if slo.max == 0 {
				slo.max = sli.DefaultMaxGroups
			}
			m := map[string]*Series{}
			slo.groups.Store(&m)
		}
		t.slos = append(t.slos, slo)
		t.byName[o.Name] = slo
	}
	if err := t.restore(); err != nil { // WithStore (store.go)
		return nil, err
	}
	t.started(t.now()) // change.go
	return t, nil
}

func (t *Tracker) now() time.Time { return t.clock() }

// Now reads the tracker's clock.
func (t *Tracker) Now() time.Time { return t.clock() }

// Service returns the service name (WithService, or DefaultService).
func (t *Tracker) Service() string { return t.service }

// RealClock reports whether the tracker reads time.Now, its default clock
// (no WithClock). Middleware that measures durations from the monotonic
// reading of a start time may do so only then: a fake clock's times can carry
// a monotonic reading too (budgettest.NewClock(time.Now())), and the real
// time elapsed since them is not the fake clock's.
func (t *Tracker) RealClock() bool { return !t.clockSet }

// SLO returns the live objective named name, or nil.
func (t *Tracker) SLO(name string) *SLO { return t.byName[name] }

// SLOs returns the objectives in declaration order.
func (t *Tracker) SLOs() []*SLO { return append([]*SLO(nil), t.slos...) }

// Objectives returns the declarations in order.
func (t *Tracker) Objectives() []sli.Objective {
	out := make([]sli.Objective, len(t.slos))
	for i, s := range t.slos {
		out[i] = s.decl
	}
	return out
}

// AlertRules returns the alert rules in force.
func (t *Tracker) AlertRules() []AlertRule { return append([]AlertRule(nil), t.rules...) }

// Series returns the series of the named objective for group (ignored for
// an ungrouped objective). It is meant for wiring; an unknown objective is an
// error.
func (t *Tracker) Series(objective, group string) (*Series, error) {
	s := t.byName[objective]
	if s == nil {
		return nil, fmt.Errorf("budget: no objective named %q", objective)
	}
	return s.Series(group), nil
}

// Dropped returns how many events were dropped for completing too far in the
// past (before the longest window) or in the future (more than a minute
// past the clock): the marks of a wall-clock jump.
func (t *Tracker) Dropped() (past, future int64) {
	return t.droppedPast.Load(), t.droppedFuture.Load()
}

// SLO is the live state of one declared objective: one Series, or one per
// group value of a grouped objective.
type SLO struct {
	tr     *Tracker
	decl   sli.Objective
	loc    *time.Location
	single *Series // ungrouped

	groups   atomic.Pointer[map[string]*Series] // copy on write
	full     atomic.Pointer[Series]             // the overflow series, once the cap is reached
	mu       sync.Mutex                         // serialises group creation
	order    []*Series                          // in creation order, under mu
	overflow *Series
	max      int
	horizon  time.Duration // how far back its windows and rules reach (horizon)

	corr atomic.Pointer[corrEdges] // nil while no correction applies (correction_set.go)
}

// horizon is how far back any window of an objective of window w reaches:
// its period, the standard windows every status reports and the alert
// rules' windows. An event is kept, and the ring sized to hold it, while
// one of them still covers it, though the period may be shorter (a
// Rolling(4h) objective still reports, and alerts on, its 3d window).
func horizon(w sli.Window, rules []AlertRule) time.Duration {
	d := w.MaxLength()
	for _, sw := range StandardWindows {
		d = max(d, sw.Duration)
	}
	for _, r := range rules {
		d = max(d, r.LongWindow, r.ShortWindow)
	}
	return d
}

// Objective returns the declaration.
func (s *SLO) Objective() sli.Objective { return s.decl }

// Series returns the series for a group value, creating it while the
// objective has fewer than MaxGroups groups; later values, and values longer
// than sli.MaxGroupLen, share the sli.OverflowGroup series. For an ungrouped
// objective it returns the one series whatever the value. Looking up a known
// value takes no lock and allocates nothing.
func (s *SLO) Series(group string) *Series {
	if s.single != nil {
		return s.single
	}
	if len(group) > sli.MaxGroupLen {
		group = sli.OverflowGroup
	}
	if x, ok := (*s.groups.Load())[group]; ok {
		return x
	}
	// Once the cap is reached, values from the outside cost no lock.
	if o := s.full.Load(); o != nil {
		return o
	}
	return s.create(group)
}

func (s *SLO) create(group string) *Series {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := *s.groups.Load()
	if x, ok := cur[group]; ok {
		return x
	}
	if group == sli.OverflowGroup || len(cur) >= s.max {
		if s.overflow == nil {
			s.overflow = newSeries(s.tr, s, sli.OverflowGroup)
			s.order = append(s.order, s.overflow)
		}
		if len(cur) >= s.max {
			s.full.Store(s.overflow)
		}
		return s.overflow
	}
	x := newSeries(s.tr, s, group)
	next := make(map[string]*Series, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[group] = x
	s.groups.Store(&next)
	s.order = append(s.order, x)
	return x
}

// AllSeries returns the objective's series in creation order (the overflow
// series among them once used).
func (s *SLO) AllSeries() []*Series {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Series(nil), s.order...)
}

// Set is the series one call counts toward, recorded together. A nil or
// empty Set records nothing.
type Set []*Series

// Record records e into every series of the set.
func (set Set) Record(e sli.Event) {
	if len(set) == 0 {
		return
	}
	for _, s := range set {
		if s != nil {
			s.record(&e, 1)
		}
	}
}

// Status returns the status of every series at the tracker's clock.
func (t *Tracker) Status() []Status { return t.StatusAt(t.now()) }

// StatusAt returns the status of every series at now, objectives in
// declaration order and groups in the order they appeared. When now is the
// clock's reading (Status) it also detects and delivers the transitions
// since the last evaluation; a status asked for an earlier or a later
// instant describes it and changes no alert or policy state.
//
// How far back it is exact: each window is read from the finest bucket tier
// that still holds each part of it, 10-second buckets for the last 6.4
// hours, 5-minute ones for the last 76 hours, 15-minute ones for the
// objective's period (at least 3 days) and 45 minutes more. A window's start
// edge reaches back less than one bucket of the tier holding it too far (as
// at the clock's reading); for an instant more than a second before the
// clock's reading its end edge stops at the start of the bucket holding the
// instant, less than one bucket of the tier holding it short, because that
// bucket also holds what came after the instant. A window whose start no
// tier holds any more is not held: its WindowBurn.NotHeld says so, its
// counts are zero and its rate invalid, and so are the period's figures
// (SLI, budget) when the period is not held; never a silent zero.
func (t *Tracker) StatusAt(now time.Time) []Status {
	var out []Status
	var trs []numbered
	defer func() { t.deliver(trs) }()
	for _, slo := range t.slos {
		for _, s := range slo.AllSeries() {
			clock, stepBack := t.lockSeries(s, now)
			var st Status
			st, trs = s.statusLocked(now, clock, stepBack, trs)
			s.mu.Unlock()
			if t.afterSeries != nil {
				t.afterSeries(s)
			}
			out = append(out, st)
		}
	}
	return out
}

// Run evaluates the status every interval until ctx is done, so that
// transitions are logged and delivered even when nobody asks; an interval
// of zero (or less) means every 10 seconds. With a store (WithStore) it
// also takes a snapshot every snapshot interval; it takes no final one:
// call Close after Run returns. It returns ctx's error.
func (t *Tracker) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 10 * time.Second
	}
	tk := time.NewTicker(interval)
	defer tk.Stop()
	var snap <-chan time.Time
	if t.persist.store != nil {
		st := time.NewTicker(t.persist.every)
		defer st.Stop()
		snap = st.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tk.C:
			t.Status()
		case <-snap:
			t.Snapshot() // failures are logged
		}
	}
}

// Gate is the release decision across all objectives.
type Gate struct {
	// Allowed is false when any non-advisory objective's budget is
	// exhausted.
	Allowed bool
	// Reasons name the objectives that freeze releases.
	Reasons []GateReason
	// Unjudged name the non-advisory objectives the policy cannot judge
	// yet: the period holds fewer events than its minimum, so they let a
	// release through whatever those events say.
	Unjudged []Unjudged
}

// Unjudged is one objective (or group) the policy cannot judge yet.
type Unjudged struct {
	Objective string
	Group     string
	// Events counts the events of the period so far; EventsNeeded is the
	// policy's minimum (Status.PolicyMinEvents).
	Events, EventsNeeded int64
}

// GateReason is one objective (or group) that freezes releases.
type GateReason struct {
	Objective string
	Group     string
	State     PolicyState
	Remaining Float
}

// GateOf returns the release decision that statuses imply.
func GateOf(statuses []Status) Gate {
	g := Gate{Allowed: true, Reasons: []GateReason{}, Unjudged: []Unjudged{}}
	for i := range statuses {
		st := &statuses[i]
		if !st.ReleaseAllowed {
			g.Allowed = false
			g.Reasons = append(g.Reasons, GateReason{Objective: st.Objective.Name, Group: st.Group, State: st.Policy, Remaining: st.Remaining})
		}
		if st.PolicyReason == ReasonInsufficientEvents && !st.Objective.Advisory {
			g.Unjudged = append(g.Unjudged, Unjudged{Objective: st.Objective.Name, Group: st.Group, Events: st.Total(), EventsNeeded: st.PolicyMinEvents})
		}
	}
	return g
}

// ReleaseAllowedAt returns the release decision at now.
func (t *Tracker) ReleaseAllowedAt(now time.Time) Gate { return GateOf(t.StatusAt(now)) }

// Resolve returns the live objectives an adapter records into, in the order
// named; every objective when names is nil. An adapter fills the group
// values of the labels it names (httpslo the route, inferenceslo the
// model…), so an objective grouped by any other label is a wiring error.
// It reports every problem, one error each (so that the adapter can say
// where each came from): no names at all, a name the tracker does not have,
// a name given twice, an objective grouped by a label the adapter does not
// fill. The objectives without problems are returned either way.
func (t *Tracker) Resolve(names []string, labels ...string) ([]*SLO, []error) {
	var slos []*SLO
	var errs []error
	if names == nil {
		slos = t.SLOs()
	} else {
		if len(names) == 0 {
			errs = append(errs, errors.New("no objectives"))
		}
		seen := make(map[string]bool, len(names))
		for _, n := range names {
			switch s := t.byName[n]; {
			case s == nil:
				errs = append(errs, fmt.Errorf("no objective named %q", n))
			case seen[n]:
				errs = append(errs, fmt.Errorf("objective %q is named more than once", n))
			default:
				slos = append(slos, s)
			}
			seen[n] = true
		}
	}
	out := slos[:0]
	for _, s := range slos {
		if g := s.decl.GroupBy; g != "" && !slices.Contains(labels, g) {
			errs = append(errs, fmt.Errorf("objective %q groups by %q; this adapter fills %s only", s.decl.Name, g, quoteAll(labels)))
			continue
		}
		out = append(out, s)
	}
	return out, errs
}

func quoteAll(labels []string) string {
	if len(labels) == 0 {
		return "no group label"
	}
	q := make([]string, len(labels))
	for i, l := range labels {
		q[i] = strconv.Quote(l)
	}
	return strings.Join(q, ", ")
}
