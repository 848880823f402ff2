package budget

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/internal/window"
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

	sharedOnce sync.Once
	shared     any // what its readers share (internal/wiring.Shared)

	seq        atomic.Uint64 // numbers transitions as they are detected
	evalMu     sync.Mutex    // guards queue, next and delivering
	queue      []numbered    // detected, not yet delivered; ascending
	next       uint64        // the number of the next transition to deliver
	delivering bool

	afterSeries func(*Series) // tests: called after each series' status
}

// New returns a tracker for objs. Every problem with the declarations or the
// options comes back at once in the error.
func New(objs []sli.Objective, opts ...Option) (*Tracker, error) {
	t := &Tracker{
		byName:  make(map[string]*SLO, len(objs)),
		service: DefaultService,
		clock:   time.Now,
		rules:   DefaultAlertRules(),
		stripes: window.StripeCount(),
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
