package inferenceslo

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/genaiotel"
	"github.com/errbudget/errbudget/sli"
)

// defaultOperation is the gen_ai.operation.name of calls whose Request
// names none.
const defaultOperation = "chat"

// operationEmbeddings is the gen_ai.operation.name of embeddings calls, whose
// usage counts input tokens only: zero output tokens does not make them
// InvalidOutput.
const operationEmbeddings = "embeddings"

// unknownModel is the group value of calls that name no model, in objectives
// grouped by model (the metrics then carry no gen_ai.request.model).
const unknownModel = "unknown"

// Instrument turns calls to a model into events for a tracker's objectives
// and into OpenTelemetry GenAI metrics. Create one with New when the
// application starts and share it; each call is a Call from Start.
//
// Everything that can be resolved once is resolved when a (provider,
// operation, model) is first seen: the series of every objective (with the
// model or provider as its group) and the metric attribute sets of every
// outcome. A call then builds nothing.
//
// An Instrument is safe for concurrent use.
type Instrument struct {
	tr        *budget.Tracker
	now       func() time.Time
	provider  string
	operation string
	outcomes  [numErrorTypes]sli.Outcome
	classify  func(error) (ErrorType, bool)
	perChunk  bool
	request   func(*http.Request) Request // for Transport
	m         *genaiotel.Metrics          // nil when New failed

	targets *budget.Resolver[targetKey, *target]
}

// labels are the group labels an Instrument fills, in targetKey's order.
var labels = []string{sli.GroupByProvider, sli.GroupByOperation, sli.GroupByModel}

// targetKey is a call's (provider, operation, model) as a budget.Key. A call
// that names no model is in the group unknownModel of the objectives
// grouped by model, though its key (and so its metrics) keeps no model.
type targetKey struct{ provider, operation, model string }

func (k targetKey) Label(i int) string {
	switch i {
	case 0:
		return k.provider
	case 1:
		return k.operation
	}
	return cmp.Or(k.model, unknownModel)
}

func (k targetKey) WithLabel(i int, v string) targetKey {
	switch {
	case i == 0:
		k.provider = v
	case i == 1:
		k.operation = v
	case v != k.Label(2): // "" stays "" for unknownModel
		k.model = v
	}
	return k
}

// target is everything a call of one (provider, operation, model) records
// into, resolved once.
type target struct {
	key     targetKey
	set     budget.Set // every objective's series
	quality budget.Set // the Quality objectives' series, for RecordScore
	rec     *genaiotel.Recorder
}

// Option configures an Instrument. Options are resolved once, in New; an
// option given twice keeps the later value.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	names     []string
	named     bool
	mp        metric.MeterProvider
	now       func() time.Time
	clockSet  bool
	provider  string
	operation string
	outcomes  [numErrorTypes]sli.Outcome
	classify  func(error) (ErrorType, bool)
	perChunk  bool
	request   func(*http.Request) Request
	errs      []error
}

// WithObjectives names the objectives inference calls count toward; by
// default they count toward every objective of the tracker. Name them when
// the tracker also holds objectives of other middleware. A later
// WithObjectives replaces an earlier one.
func WithObjectives(names ...string) Option {
	names = append([]string(nil), names...)
	return optionFunc(func(c *config) {
		c.names = names
		c.named = true
	})
}

// WithProvider sets the gen_ai.provider.name of calls whose Request names
// none, such as "openai", "anthropic", "gcp.gemini" or "aws.bedrock". The
// conventions require the attribute: without a provider it is left out.
func WithProvider(name string) Option {
	return optionFunc(func(c *config) { c.provider = name })
}

// WithOperation sets the gen_ai.operation.name of calls whose Request names
// none ("chat" by default; "text_completion", "generate_content",
// "embeddings").
func WithOperation(name string) Option {
	return optionFunc(func(c *config) { c.operation = name })
}

// WithMeterProvider sets the provider of the GenAI metrics' meter. Without
// it (or with nil) the global one, otel.GetMeterProvider(), which forwards
// to a provider installed later with otel.SetMeterProvider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.mp = mp })
}

// WithClock sets the clock calls read (at start, at the first chunk, at the
// end). The default is the tracker's own clock (time.Now unless
// budget.WithClock set another), so that a test's fake clock given to the
// tracker drives the calls too.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now == nil {
			c.errs = append(c.errs, errors.New("inferenceslo: WithClock(nil)"))
		}
		c.now, c.clockSet = now, true
	})
}

// WithErrorOutcome changes the availability verdict of one type of the
// taxonomy: sli.Bad (it spends the budget) or sli.Excluded (it counts
// neither way). For example WithErrorOutcome(RateLimited, sli.Excluded) for
// a service that treats its quota as its own concern.
func WithErrorOutcome(t ErrorType, o sli.Outcome) Option {
	return optionFunc(func(c *config) {
		switch {
		case t == None || t >= numErrorTypes:
			c.errs = append(c.errs, fmt.Errorf("inferenceslo: WithErrorOutcome: %v is not an error type", t))
		case o != sli.Bad && o != sli.Excluded:
			c.errs = append(c.errs, fmt.Errorf("inferenceslo: WithErrorOutcome(%s): outcome must be bad or excluded, got %v", t, o))
		default:
			c.outcomes[t] = o
		}
	})
}

// WithErrorClassifier adds a classifier that runs before ClassifyError on
// every failed call's error: the place for a provider SDK's error type
// (errors.As into it, then ClassifyStatus of its status code). It reports
// false to leave the error to ClassifyError. It runs on the call's path only
// when the call failed; keep it cheap. A panic in f never escapes End: the
// error is left to ClassifyError, and the first such panic is logged
// through the tracker's logger.
func WithErrorClassifier(f func(err error) (ErrorType, bool)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.errs = append(c.errs, errors.New("inferenceslo: WithErrorClassifier(nil)"))
		}
		c.classify = f
	})
}

// WithRequestFunc sets how Transport names the call of an HTTP request
// (provider, model, operation), since it does not parse request bodies: from
// a header the application sets, from the URL path (Gemini puts the model
// there), from the context. The default reads what ContextWithRequest
// stored in the request's context.
func WithRequestFunc(f func(*http.Request) Request) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.errs = append(c.errs, errors.New("inferenceslo: WithRequestFunc(nil)"))
		}
		c.request = f
	})
}

// WithChunkTiming records gen_ai.client.operation.time_per_output_chunk for
// every chunk after the first, as the conventions describe it (the time
// from the previous chunk to this one). It reads the clock and makes one
// OpenTelemetry record per chunk. Without it, the instrument records one
// value per streaming call: the call's mean time per chunk after the first,
// (end − first chunk) / (chunks − 1), read from the clock readings a call
// already makes.
func WithChunkTiming() Option {
	return optionFunc(func(c *config) { c.perChunk = true })
}

// New returns an Instrument that records calls into tr's objectives (all of
// them, or those WithObjectives names) and GenAI metrics into the meter
// provider. Every problem with the options and the objectives comes back at
// once: an unknown objective, a GroupBy other than sli.GroupByModel,
// sli.GroupByProvider or sli.GroupByOperation, nil functions. It panics when
// tr is nil, as http.Handle does with a nil handler: that is a wiring bug,
// not configuration.
func New(tr *budget.Tracker, opts ...Option) (*Instrument, error) {
	if tr == nil {
		panic("inferenceslo: New with a nil tracker")
	}
	c := config{
		operation: defaultOperation,
		outcomes:  defaultOutcomes,
		request:   requestFromContext,
	}
	for _, o := range opts {
		o.apply(&c)
	}
	errs := c.errs
	if !c.clockSet {
		c.now = tr.Now
	}
	in := &Instrument{
		tr:        tr,
		now:       c.now,
		provider:  c.provider,
		operation: c.operation,
		outcomes:  c.outcomes,
		classify:  c.classify,
		perChunk:  c.perChunk,
		request:   c.request,
	}
	var names []string // nil: every objective
	if c.named {
		names = append([]string{}, c.names...)
	}
	var problems []error
	in.targets, problems = budget.NewResolver(tr, names, labels, in.newTarget)
	for _, p := range problems {
		errs = append(errs, fmt.Errorf("inferenceslo: %w", p))
	}
	if c.now != nil {
		mo := []genaiotel.Option{genaiotel.WithMeterProvider(c.mp)}
		if c.perChunk {
			mo = append(mo, genaiotel.WithChunkTiming())
		}
		m, err := genaiotel.New(mo...)
		if err != nil {
			errs = append(errs, err)
		}
		in.m = m
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return in, nil
}

// target returns what calls of req record into, creating it on first sight
// (newTarget). A known combination costs one map lookup: no lock, no
// allocation. The combinations kept are bounded by the rule every adapter
// shares (budget.Resolver), in the series and the metric attributes alike.
func (in *Instrument) target(req *Request) *target {
	k := targetKey{req.Provider, req.Operation, req.Model}
	if k.provider == "" {
		k.provider = in.provider
	}
	if k.operation == "" {
		k.operation = in.operation
	}
	return in.targets.Get(k)
}

// newTarget builds the target of k, once.
func (in *Instrument) newTarget(k targetKey, set budget.Set) *target {
	t := &target{key: k, set: set}
	for _, s := range set {
		if s.Objective().Kind == sli.Quality {
			t.quality = append(t.quality, s)
		}
	}
	if in.m != nil {
		t.rec = in.m.Recorder(k.operation, k.provider, k.model, metricErrorTypes[:]...)
	}
	return t
}
