package budget

import (
	"log/slog"
	"time"
)

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
// lock, one at a time, in the order the transitions happened. It runs in a
// goroutine computing a status (the caller of Status, Run, the endpoint),
// not always the one that detected the transition (see StatusAt). It may
// call back into the tracker. Several may be added.
func OnTransition(f func(Transition)) Option {
	return optionFunc(func(t *Tracker) { t.handlers = append(t.handlers, f) })
}
