package budgetotel

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/sharedstatus"
	"github.com/errbudget/errbudget/internal/statuscache"
)

// ScopeName is the instrumentation scope of the instruments: the name of the
// Meter that New asks the MeterProvider for.
const ScopeName = "github.com/errbudget/errbudget/budgetotel"

// The instrument names, units and attribute keys (docs/contract.md in the
// repository, "OpenTelemetry"). Through the OpenTelemetry Prometheus exporter they become
// slo_events_total, slo_objective_ratio, slo_sli_ratio,
// slo_error_budget_remaining_ratio, slo_burn_rate_ratio and
// slo_alert_firing_ratio.
const (
	EventsName          = "slo.events"
	ObjectiveName       = "slo.objective"
	SLIName             = "slo.sli"
	BudgetRemainingName = "slo.error_budget.remaining"
	BurnRateName        = "slo.burn_rate"
	AlertFiringName     = "slo.alert.firing"

	// NameKey is the objective's name.
	NameKey = attribute.Key("slo.name")
	// GroupKey is the group's value; set only for grouped objectives.
	GroupKey = attribute.Key("slo.group")
	// OutcomeKey is "good" or "bad" on slo.events.
	OutcomeKey = attribute.Key("slo.outcome")
	// WindowKey is "5m", "30m", "1h", "2h", "6h", "1d", "3d" or "period" on
	// slo.burn_rate.
	WindowKey = attribute.Key("slo.window")
	// AlertNameKey and AlertSeverityKey name the alert rule on
	// slo.alert.firing.
	AlertNameKey     = attribute.Key("slo.alert.name")
	AlertSeverityKey = attribute.Key("slo.alert.severity")
)

// units and descriptions are the instruments', by name: New gives them to
// the Meter, NewProducer to its data.
var (
	units = map[string]string{
		EventsName:          "{event}",
		ObjectiveName:       "1",
		SLIName:             "1",
		BudgetRemainingName: "1",
		BurnRateName:        "1",
		AlertFiringName:     "1",
		BudgetAllowedName:   "s",
		BudgetSpentName:     "s",
	}
	descriptions = map[string]string{
		EventsName:          "Good and bad events this process has counted toward the objective; starts at zero with the process (the budget keeps restored totals, this counter does not).",
		ObjectiveName:       "The objective's target: the ratio of good events promised.",
		SLIName:             "The ratio of good events over the objective's period; absent without events.",
		BudgetRemainingName: "The fraction of the period's error budget left, negative once overspent; absent without events.",
		BurnRateName:        "The error ratio over the window divided by the error budget: 1 spends the budget exactly over the period; absent without events.",
		AlertFiringName:     "1 while the multi-window burn-rate alert fires, 0 otherwise.",
		BudgetAllowedName:   "Time-slice objectives: the error budget of the whole period in time, (1 − target) × the period's slices × the slice width.",
		BudgetSpentName:     "Time-slice objectives: the error budget spent in the period, in time: its bad slices × the slice width (ratio time slices: the sum of each slice's share of bad events).",
	}
)

// Option configures New. Options are resolved once, in New; an option given
// twice keeps the later value.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	mp       metric.MeterProvider
	interval time.Duration
	limit    int
	logger   *slog.Logger
}

// DefaultCardinalityLimit is the OpenTelemetry Go SDK's cardinality limit
// when its MeterProvider is not given one (sdkmetric.WithCardinalityLimit):
// an instrument keeps at most DefaultCardinalityLimit − 1 attribute sets a
// collection and folds the rest into one point with the attribute
// otel.metric.overflow = true.
const DefaultCardinalityLimit = 2000

// WithMeterProvider sets the MeterProvider the instruments are created
// with. Without it (or with nil), New uses the global provider,
// otel.GetMeterProvider(), as it is when New runs.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.mp = mp })
}

// WithInterval sets how long one status computation serves the collections
// (default 1 s, on the tracker's clock): readers that collect within it,
// such as a Prometheus scrape and an OTLP export, share one computation.
func WithInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.interval = d })
}

// WithCardinalityLimit tells New the cardinality limit of the
// MeterProvider's readers, the n given to sdkmetric.WithCardinalityLimit
// (DefaultCardinalityLimit when not given; n ≤ 0 means no limit, as for the
// SDK). It changes nothing in what is observed: it is how errbudget knows
// how many attribute sets an instrument can carry (n − 1), so that it can
// count what the SDK folds into its overflow point, log it once and report
// it (Registration.Overflow). Raise the provider's limit and tell New:
//
//	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r), sdkmetric.WithCardinalityLimit(20_000))
//	reg, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp), budgetotel.WithCardinalityLimit(20_000))
func WithCardinalityLimit(n int) Option {
	return optionFunc(func(c *config) { c.limit = n })
}

// WithLogger sets where the one warning about streams past the cardinality
// limit goes (default slog.Default(), as it is when the loss is first seen).
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// Overflow is what the latest collection observed beyond what the
// instruments can carry under the cardinality limit: the OpenTelemetry SDK
// folded those streams (attribute sets) into its overflow point, so a
// backend sees them only as one point with otel.metric.overflow = true.
type Overflow struct {
	// Limit is the cardinality limit assumed (WithCardinalityLimit); 0
	// means none.
	Limit int
	// Streams is, by instrument name, how many streams past Limit − 1 the
	// latest collection observed; nil when none were lost.
	Streams map[string]int
}

// Total is the number of streams lost, over every instrument.
func (o Overflow) Total() int {
	n := 0
	for _, v := range o.Streams {
		n += v
	}
	return n
}

// Registration is the instruments' callback registered with a Meter. Close
// unregisters it; the instruments then report nothing more.
type Registration struct {
	reg    metric.Registration
	v      *view
	report *sharedstatus.ExportReport // what the endpoint shows of Overflow
	once   sync.Once
	err    error
}

// Overflow reports what the latest collection lost to the cardinality
// limit (see WithCardinalityLimit); its zero Streams before the first
// collection and while nothing is lost.
func (r *Registration) Overflow() Overflow {
	if o := r.v.overflow.Load(); o != nil {
		return *o
	}
	return Overflow{Limit: r.v.limit}
}

// Close unregisters the callback. It is safe to call more than once; later
// calls return the first call's error.
func (r *Registration) Close() error {
	r.once.Do(func() {
		r.v.shared.ClearExport(r.report)
		r.err = r.reg.Unregister()
	})
	return r.err
}

// New creates the instruments for tr's objectives and registers one
// callback that observes them all from one status computation whenever a
// reader collects. Nothing is recorded per request. Errors creating the
// instruments or registering the callback come back joined. It panics when
// tr is nil, as http.Handle does with a nil handler: that is a wiring bug,
// not configuration.
func New(tr *budget.Tracker, opts ...Option) (*Registration, error) {
	if tr == nil {
		panic("budgetotel: New with a nil tracker")
	}
	cfg := config{interval: statuscache.DefaultInterval, limit: DefaultCardinalityLimit}
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.limit < 0 {
		cfg.limit = 0
	}
	mp := cfg.mp
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(ScopeName)

	v := &view{attrs: map[seriesKey]*seriesAttrs{}, limit: cfg.limit, logger: cfg.logger, noLoss: &Overflow{Limit: cfg.limit}}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	v.events, err = m.Int64ObservableCounter(EventsName, metric.WithUnit(units[EventsName]), metric.WithDescription(descriptions[EventsName]))
	add(err)
	v.objective, err = m.Float64ObservableGauge(ObjectiveName, metric.WithUnit(units[ObjectiveName]), metric.WithDescription(descriptions[ObjectiveName]))
	add(err)
	v.sli, err = m.Float64ObservableGauge(SLIName, metric.WithUnit(units[SLIName]), metric.WithDescription(descriptions[SLIName]))
	add(err)
	v.remaining, err = m.Float64ObservableGauge(BudgetRemainingName, metric.WithUnit(units[BudgetRemainingName]), metric.WithDescription(descriptions[BudgetRemainingName]))
	add(err)
	v.burn, err = m.Float64ObservableGauge(BurnRateName, metric.WithUnit(units[BurnRateName]), metric.WithDescription(descriptions[BurnRateName]))
	add(err)
	v.firing, err = m.Int64ObservableGauge(AlertFiringName, metric.WithUnit(units[AlertFiringName]), metric.WithDescription(descriptions[AlertFiringName]))
	add(err)
	v.slices, err = newSliceInstruments(m) // slices.go
	add(err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	// The status is the tracker's shared computation: a scrape and a GET
	// of the endpoint in the same interval compute it once.
	v.shared, v.interval = sharedstatus.For(tr), cfg.interval
	reg, err := m.RegisterCallback(v.observe, v.events, v.objective, v.sli, v.remaining, v.burn, v.firing, v.slices.allowed, v.slices.spent)
	if err != nil {
		return nil, err
	}
	r := &Registration{reg: reg, v: v}
	r.report = &sharedstatus.ExportReport{Overflow: func() (int, map[string]int) {
		o := r.Overflow()
		return o.Limit, o.Streams
	}}
	v.shared.SetExport(r.report)
	return r, nil
}

// view is the instruments and what the callback needs to observe them.
type view struct {
	events    metric.Int64ObservableCounter
	objective metric.Float64ObservableGauge
	sli       metric.Float64ObservableGauge
	remaining metric.Float64ObservableGauge
	burn      metric.Float64ObservableGauge
	firing    metric.Int64ObservableGauge
	slices    sliceInstruments // time-slice objectives' (slices.go)

	shared   *sharedstatus.Shared
	interval time.Duration

	mu     sync.Mutex // guards attrs: readers may collect concurrently
	attrs  map[seriesKey]*seriesAttrs
	layout atomic.Pointer[layout] // the latest collection's series, by position

	limit    int // the provider's cardinality limit; 0: none
	logger   *slog.Logger
	overflow atomic.Pointer[Overflow] // the latest collection's
	noLoss   *Overflow                // what overflow holds while nothing is lost
	logged   atomic.Bool              // the loss is logged once
}

type seriesKey struct {
	objective, group string
	grouped          bool
}

// obsOpts is one attribute set as the option slice the Observer takes: a
// slice built once, so that passing it (opts...) allocates nothing.
type obsOpts []metric.ObserveOption

// attrSet is one attribute set, as a Producer's data points carry it and
// as the Observer takes it.
type attrSet struct {
	set  attribute.Set
	opts obsOpts
}

func attrsOf(kvs ...attribute.KeyValue) attrSet {
	set := attribute.NewSet(kvs...)
	return attrSet{set, obsOpts{metric.WithAttributeSet(set)}}
}

// seriesAttrs are the attribute sets of one series, built the first time
// the series is observed and reused by every collection after. It does not
// change once built (a series whose windows or alerts differ gets a new
// one), so collections read it without a lock.
type seriesAttrs struct {
	key       seriesKey
	base      attrSet
	good, bad attrSet
	windows   []windowAttrs // in the order of the status's BurnRates
	alerts    []alertAttrs  // in the order of the status's Alerts
}

type windowAttrs struct {
	window string
	attrSet
}

type alertAttrs struct {
	name, severity string
	attrSet
}

// fits reports whether a holds st's sets, in st's order. Every collection
// after the first finds the same objectives, groups, windows and rules in
// the same order, so this is the whole cost of finding a series' sets.
func (a *seriesAttrs) fits(k seriesKey, st *budget.Status) bool {
	if a == nil || a.key != k {
		return false
	}
	if st == nil {
		return true
	}
	if len(a.windows) != len(st.BurnRates) || len(a.alerts) != len(st.Alerts) {
		return false
	}
	for i := range st.BurnRates {
		if a.windows[i].window != st.BurnRates[i].Window {
			return false
		}
	}
	for i := range st.Alerts {
		r := &st.Alerts[i].Rule
		if a.alerts[i].name != r.Name || a.alerts[i].severity != r.Severity.String() {
			return false
		}
	}
	return true
}

// layout is the series' sets in the order of the latest snapshot's
// Statuses and Counted: the next collection, which lists the same series
// in the same order, takes them by position.
type layout struct {
	statuses, counted []*seriesAttrs
}

// attrsFor returns the sets of series k, holding st's windows and alerts
// when st is not nil, building what is missing.
func (v *view) attrsFor(k seriesKey, st *budget.Status) *seriesAttrs {
	v.mu.Lock()
	defer v.mu.Unlock()
	old := v.attrs[k]
	if old.fits(k, st) {
		return old
	}
	base := []attribute.KeyValue{NameKey.String(k.objective)}
	if k.grouped {
		base = append(base, GroupKey.String(k.group))
	}
	with := func(kvs ...attribute.KeyValue) attrSet {
		return attrsOf(append(append([]attribute.KeyValue(nil), base...), kvs...)...)
	}
	a := &seriesAttrs{key: k}
	if old != nil {
		a.base, a.good, a.bad = old.base, old.good, old.bad
	} else {
		a.base = with()
		a.good = with(OutcomeKey.String("good"))
		a.bad = with(OutcomeKey.String("bad"))
	}
	if st != nil {
		for _, b := range st.BurnRates {
			a.windows = append(a.windows, windowAttrs{b.Window, with(WindowKey.String(b.Window))})
		}
		for _, al := range st.Alerts {
			sev := al.Rule.Severity.String()
			a.alerts = append(a.alerts, alertAttrs{al.Rule.Name, sev, with(AlertNameKey.String(al.Rule.Name), AlertSeverityKey.String(sev))})
		}
	}
	v.attrs[k] = a
	return a
}

// observe is the one callback: every instrument from one snapshot. A
// figure that does not exist (no events) is not observed, so that no NaN
// ever leaves the process. It allocates nothing once the series' sets are
// built: each set's option slice is built with the set, and the sets are
// found by position in the previous collection's layout.
func (v *view) observe(_ context.Context, o metric.Observer) error {
	s := v.shared.Get(v.interval)
	counted, statuses := v.resolve(s)
	// Every observation below is a distinct attribute set of its
	// instrument, so counting them is counting the streams.
	var n streamCounts
	n.events = 2 * len(s.Counted)
	n.objective = len(s.Statuses)
	for i := range s.Counted {
		c, a := &s.Counted[i], counted[i]
		o.ObserveInt64(v.events, c.Good, a.good.opts...)
		o.ObserveInt64(v.events, c.Bad, a.bad.opts...)
	}
	for i := range s.Statuses {
		st, a := &s.Statuses[i], statuses[i]
		o.ObserveFloat64(v.objective, st.Objective.Target, a.base.opts...)
		if ok(st.SLI) {
			o.ObserveFloat64(v.sli, st.SLI.Value, a.base.opts...)
			n.sli++
		}
		if ok(st.Remaining) {
			o.ObserveFloat64(v.remaining, st.Remaining.Value, a.base.opts...)
			n.remaining++
		}
		for j := range st.BurnRates {
			if b := &st.BurnRates[j]; ok(b.Rate) {
				o.ObserveFloat64(v.burn, b.Rate.Value, a.windows[j].opts...)
				n.burn++
			}
		}
		n.firing += len(st.Alerts)
		for j := range st.Alerts {
			var firing int64
			if st.Alerts[j].Firing {
				firing = 1
			}
			o.ObserveInt64(v.firing, firing, a.alerts[j].opts...)
		}
		v.slices.observe(o, st, a.base.opts, &n)
	}
	v.account(&n)
	return nil
}

// resolve returns the attribute sets of s's Counted and Statuses, by
// position. They are the previous collection's when every series is where
// it was (every collection after the first, until a group appears): a few
// string comparisons a series, no lock, no allocation. Otherwise the sets
// that moved are looked up (or built) by key and the new layout kept for
// the next collection.
func (v *view) resolve(s *sharedstatus.Snapshot) (counted, statuses []*seriesAttrs) {
	l := v.layout.Load()
	if l == nil {
		l = &layout{}
	}
	counted, newCounted := l.counted, false
	for i := range s.Counted {
		c := &s.Counted[i]
		k := seriesKey{c.Objective, c.Group, c.Grouped}
		a := at(l.counted, i)
		if !newCounted && !a.fits(k, nil) {
			newCounted = true
			counted = append(make([]*seriesAttrs, 0, len(s.Counted)), l.counted[:i]...)
		}
		if newCounted {
			if !a.fits(k, nil) {
				a = v.attrsFor(k, nil)
			}
			counted = append(counted, a)
		}
	}
	statuses, newStatuses := l.statuses, false
	for i := range s.Statuses {
		st := &s.Statuses[i]
		k := seriesKey{st.Objective.Name, st.Group, st.Objective.GroupBy != "" && !st.Overall} // the overall entry: no slo.group
		a := at(l.statuses, i)
		if !newStatuses && !a.fits(k, st) {
			newStatuses = true
			statuses = append(make([]*seriesAttrs, 0, len(s.Statuses)), l.statuses[:i]...)
		}
		if newStatuses {
			if !a.fits(k, st) {
				a = v.attrsFor(k, st)
			}
			statuses = append(statuses, a)
		}
	}
	counted, statuses = counted[:len(s.Counted)], statuses[:len(s.Statuses)]
	if newCounted || newStatuses || len(counted) != len(l.counted) || len(statuses) != len(l.statuses) {
		v.layout.Store(&layout{counted: counted, statuses: statuses})
	}
	return counted, statuses
}

// at is list[i], or nil past its end.
func at(list []*seriesAttrs, i int) *seriesAttrs {
	if i < len(list) {
		return list[i]
	}
	return nil
}

// streamCounts is how many streams one collection observed per instrument.
type streamCounts struct {
	events, objective, sli, remaining, burn, firing int
	slices                                          int // each of slo.error_budget.allowed and .spent
}

// account records what the collection counted in n lost to the
// cardinality limit, and logs the first loss. The SDK keeps limit − 1
// attribute sets an instrument each collection (its overflow point takes
// the last slot) and clears them after, since asynchronous instruments
// report only what their callback observed: so the streams past limit − 1
// are lost, exactly, at every collection that observes them.
func (v *view) account(n *streamCounts) {
	if v.limit <= 0 || max(n.events, n.objective, n.sli, n.remaining, n.burn, n.firing, n.slices) < v.limit {
		// Nothing lost: the one report without loss, made in New, so
		// that a collection allocates nothing here.
		v.overflow.Store(v.noLoss)
		return
	}
	out := &Overflow{Limit: v.limit, Streams: map[string]int{}}
	capacity := v.limit - 1
	for _, x := range []struct {
		name string
		n    int
	}{
		{EventsName, n.events}, {ObjectiveName, n.objective}, {SLIName, n.sli},
		{BudgetRemainingName, n.remaining}, {BurnRateName, n.burn}, {AlertFiringName, n.firing},
		{BudgetAllowedName, n.slices}, {BudgetSpentName, n.slices},
	} {
		if x.n > capacity {
			out.Streams[x.name] = x.n - capacity
		}
	}
	v.overflow.Store(out)
	if v.logged.CompareAndSwap(false, true) {
		log := v.logger
		if log == nil {
			log = slog.Default()
		}
		args := []any{"cardinality_limit", v.limit, "streams_lost", out.Total()}
		for _, name := range []string{EventsName, ObjectiveName, SLIName, BudgetRemainingName, BurnRateName, AlertFiringName, BudgetAllowedName, BudgetSpentName} {
			if k := out.Streams[name]; k > 0 {
				args = append(args, slog.Int(name, k))
			}
		}
		log.Warn("budgetotel: more streams than the OpenTelemetry SDK's cardinality limit lets an instrument carry; "+
			"the SDK folds the rest into its otel.metric.overflow point. Raise it with sdkmetric.WithCardinalityLimit "+
			"and tell budgetotel.New with WithCardinalityLimit (logged once; Registration.Overflow has the latest count)", args...)
	}
}

func ok(f budget.Float) bool {
	return f.Valid && !math.IsNaN(f.Value) && !math.IsInf(f.Value, 0)
}
