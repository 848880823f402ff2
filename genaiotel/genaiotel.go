package genaiotel

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The GenAI client metrics (semantic conventions v1.41.0, "development"
// stability). The three durations are in seconds with buckets 0.01, 0.02,
// 0.04 … 81.92 (doubling); token usage is in {token} with buckets 1, 4, 16 …
// 67108864.
const (
	MetricOperationDuration  = "gen_ai.client.operation.duration"
	MetricTimeToFirstChunk   = "gen_ai.client.operation.time_to_first_chunk"
	MetricTimePerOutputChunk = "gen_ai.client.operation.time_per_output_chunk"
	MetricTokenUsage         = "gen_ai.client.token.usage"
)

var (
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// Metrics are the four GenAI client histograms of one meter provider. Create
// them once with New; take a Recorder for each (operation, provider, model).
// Metrics are safe for concurrent use.
type Metrics struct {
	duration, ttfc, tpoc metric.Float64Histogram
	tokens               metric.Int64Histogram
}

// Option configures New. An option given twice keeps the later value.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	mp       metric.MeterProvider
	perChunk bool
}

// WithMeterProvider sets the provider of the metrics' meter. Without it (or
// with nil) the global one, otel.GetMeterProvider(), which forwards to a
// provider installed later with otel.SetMeterProvider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.mp = mp })
}

// WithChunkTiming declares that Recorder.TimePerOutputChunk is given every
// chunk after the first, as the conventions describe it, rather than a
// call's mean; it changes the instrument's description only.
func WithChunkTiming() Option {
	return optionFunc(func(c *config) { c.perChunk = true })
}

// New creates the four histograms. Errors creating them come back joined.
func New(opts ...Option) (*Metrics, error) {
	var c config
	for _, o := range opts {
		o.apply(&c)
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	m := c.mp.Meter("github.com/errbudget/errbudget/genaiotel", metric.WithSchemaURL("https://opentelemetry.io/schemas/1.41.0"))
	seconds := func(name, desc string) (metric.Float64Histogram, error) {
		return m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(durationBuckets...))
	}
	// The descriptions are the conventions', except the mean's.
	tpoc := "Time per output chunk after the first, recorded once per streaming call as the call's mean: (end - first chunk) / (chunks - 1)."
	if c.perChunk {
		tpoc = "Time per output chunk, recorded for each chunk received after the first one, measured as the time elapsed from the end of the previous chunk to the end of the current chunk."
	}
	g := &Metrics{}
	var e [4]error
	g.duration, e[0] = seconds(MetricOperationDuration, "GenAI operation duration.")
	g.ttfc, e[1] = seconds(MetricTimeToFirstChunk, "Time to receive the first chunk, measured from when the client issues the generation request to when the first chunk is received in the response stream.")
	g.tpoc, e[2] = seconds(MetricTimePerOutputChunk, tpoc)
	g.tokens, e[3] = m.Int64Histogram(MetricTokenUsage, metric.WithUnit("{token}"),
		metric.WithDescription("Number of input and output tokens used."), metric.WithExplicitBucketBoundaries(tokenBuckets...))
	if err := errors.Join(e[:]...); err != nil {
		return nil, err
	}
	return g, nil
}

// Recorder records the calls of one (operation, provider, model). Its
// attribute sets are built once, by Metrics.Recorder, so that recording
// builds nothing: each method is one histogram record, with no allocation
// beyond the SDK's own. A Recorder is safe for concurrent use.
type Recorder struct {
	m             *Metrics
	base          []metric.RecordOption // operation, provider, model
	input, output []metric.RecordOption
	failed        [][]metric.RecordOption // base and error.type, by error type
}

// Recorder returns the recorder of calls of operation to model at provider.
// An empty provider or model is left out of the attributes (the operation is
// required). errorTypes is the closed set of error.type values the caller
// will pass to Duration by index; an empty value means none (a success, a
// caller's cancellation).
func (m *Metrics) Recorder(operation, provider, model string, errorTypes ...string) *Recorder {
	base := []attribute.KeyValue{attribute.String("gen_ai.operation.name", operation)}
	if provider != "" {
		base = append(base, attribute.String("gen_ai.provider.name", provider))
	}
	if model != "" {
		base = append(base, attribute.String("gen_ai.request.model", model))
	}
	with := func(kv attribute.KeyValue) []metric.RecordOption {
		return opts(append(append([]attribute.KeyValue(nil), base...), kv)...)
	}
	r := &Recorder{m: m, base: opts(base...), failed: make([][]metric.RecordOption, len(errorTypes))}
	for i, t := range errorTypes {
		r.failed[i] = r.base
		if t != "" {
			r.failed[i] = with(attribute.String("error.type", t))
		}
	}
	r.input = with(attribute.String("gen_ai.token.type", "input"))
	r.output = with(attribute.String("gen_ai.token.type", "output"))
	return r
}

// opts wraps an attribute set in the one-element option slice a Record
// takes, once.
func opts(kvs ...attribute.KeyValue) []metric.RecordOption {
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
}

// Duration records a call's gen_ai.client.operation.duration: d, with the
// error.type errorTypes[errorType] given to Metrics.Recorder (none when
// errorType is out of range or its value is empty).
func (r *Recorder) Duration(ctx context.Context, d time.Duration, errorType int) {
	o := r.base
	if errorType >= 0 && errorType < len(r.failed) {
		o = r.failed[errorType]
	}
	r.m.duration.Record(ctx, d.Seconds(), o...)
}

// TimeToFirstChunk records gen_ai.client.operation.time_to_first_chunk.
func (r *Recorder) TimeToFirstChunk(ctx context.Context, d time.Duration) {
	r.m.ttfc.Record(ctx, d.Seconds(), r.base...)
}

// TimePerOutputChunk records gen_ai.client.operation.time_per_output_chunk:
// the time since the previous chunk (WithChunkTiming), or once per call the
// call's mean time per chunk after the first.
func (r *Recorder) TimePerOutputChunk(ctx context.Context, d time.Duration) {
	r.m.tpoc.Record(ctx, d.Seconds(), r.base...)
}

// InputTokens records gen_ai.client.token.usage of type "input".
func (r *Recorder) InputTokens(ctx context.Context, n int64) {
	r.m.tokens.Record(ctx, n, r.input...)
}

// OutputTokens records gen_ai.client.token.usage of type "output".
func (r *Recorder) OutputTokens(ctx context.Context, n int64) {
	r.m.tokens.Record(ctx, n, r.output...)
}
