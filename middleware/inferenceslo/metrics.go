package inferenceslo

import (
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The OpenTelemetry GenAI client metrics the instrument records (semantic
// conventions v1.41.0, "development" stability). The three durations are in
// seconds with buckets 0.01, 0.02, 0.04 … 81.92 (doubling); token usage is in
// {token} with buckets 1, 4, 16 … 67108864.
const (
	MetricOperationDuration  = "gen_ai.client.operation.duration"
	MetricTimeToFirstChunk   = "gen_ai.client.operation.time_to_first_chunk"
	MetricTimePerOutputChunk = "gen_ai.client.operation.time_per_output_chunk"
	MetricTokenUsage         = "gen_ai.client.token.usage"
)

// The attribute keys the metrics carry. error.type is set on the operation
// duration only, and only for a call that failed (not on success, not on the
// caller's cancellation); gen_ai.token.type ("input", "output") on token
// usage only.
const (
	AttrOperationName = "gen_ai.operation.name"
	AttrProviderName  = "gen_ai.provider.name"
	AttrRequestModel  = "gen_ai.request.model"
	AttrTokenType     = "gen_ai.token.type"
	AttrErrorType     = "error.type"
)

const (
	meterName                  = "github.com/errbudget/errbudget/middleware/inferenceslo"
	schemaURL                  = "https://opentelemetry.io/schemas/1.41.0"
	descOperationDuration      = "GenAI operation duration."
	descTimeToFirstChunk       = "Time to receive the first chunk, measured from when the client issues the generation request to when the first chunk is received in the response stream."
	descTimePerOutputChunk     = "Time per output chunk, recorded for each chunk received after the first one, measured as the time elapsed from the end of the previous chunk to the end of the current chunk."
	descTimePerOutputChunkMean = "Time per output chunk after the first, recorded once per streaming call as the call's mean: (end - first chunk) / (chunks - 1)."
	descTokenUsage             = "Number of input and output tokens used."
)

// durationBuckets are the explicit bucket boundaries, in seconds, of the
// three GenAI duration histograms: 0.01 doubling to 81.92.
var durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}

// tokenBuckets are the explicit bucket boundaries of
// gen_ai.client.token.usage: 1 quadrupling to 67108864.
var tokenBuckets = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}

type genAIMetrics struct {
	duration, ttfc, tpoc metric.Float64Histogram
	tokens               metric.Int64Histogram
}

func newGenAIMetrics(mp metric.MeterProvider, perChunk bool) (*genAIMetrics, error) {
	m := mp.Meter(meterName, metric.WithSchemaURL(schemaURL))
	tpocDesc := descTimePerOutputChunkMean
	if perChunk {
		tpocDesc = descTimePerOutputChunk
	}
	g := &genAIMetrics{}
	var e1, e2, e3, e4 error
	g.duration, e1 = m.Float64Histogram(MetricOperationDuration, metric.WithUnit("s"),
		metric.WithDescription(descOperationDuration), metric.WithExplicitBucketBoundaries(durationBuckets...))
	g.ttfc, e2 = m.Float64Histogram(MetricTimeToFirstChunk, metric.WithUnit("s"),
		metric.WithDescription(descTimeToFirstChunk), metric.WithExplicitBucketBoundaries(durationBuckets...))
	g.tpoc, e3 = m.Float64Histogram(MetricTimePerOutputChunk, metric.WithUnit("s"),
		metric.WithDescription(tpocDesc), metric.WithExplicitBucketBoundaries(durationBuckets...))
	g.tokens, e4 = m.Int64Histogram(MetricTokenUsage, metric.WithUnit("{token}"),
		metric.WithDescription(descTokenUsage), metric.WithExplicitBucketBoundaries(tokenBuckets...))
	if err := errors.Join(e1, e2, e3, e4); err != nil {
		return nil, err
	}
	return g, nil
}

// recordOpts are a target's attribute sets, each wrapped once in the
// one-element option slice a Record takes, so that recording passes a
// prebuilt slice and builds nothing.
type recordOpts struct {
	// duration[t] carries error.type t; None and Canceled carry none.
	duration [numErrorTypes][]metric.RecordOption
	// base is operation, provider and model: the attributes of the
	// streaming histograms.
	base          []metric.RecordOption
	input, output []metric.RecordOption
}

func opts(kvs ...attribute.KeyValue) []metric.RecordOption {
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
}

func (g *genAIMetrics) optsFor(k targetKey) recordOpts {
	base := []attribute.KeyValue{attribute.String(AttrOperationName, k.operation)}
	if k.provider != "" {
		base = append(base, attribute.String(AttrProviderName, k.provider))
	}
	if k.model != "" {
		base = append(base, attribute.String(AttrRequestModel, k.model))
	}
	with := func(kv attribute.KeyValue) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), base...), kv)
	}
	var r recordOpts
	r.base = opts(base...)
	for t := None; t < numErrorTypes; t++ {
		if t == None || t == Canceled {
			// The conventions set error.type only when the operation
			// ended in an error; a caller's cancellation is none.
			r.duration[t] = r.base
			continue
		}
		r.duration[t] = opts(with(attribute.String(AttrErrorType, t.String()))...)
	}
	r.input = opts(with(attribute.String(AttrTokenType, "input"))...)
	r.output = opts(with(attribute.String(AttrTokenType, "output"))...)
	return r
}
