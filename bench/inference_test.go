package bench

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

// The inference benchmarks: one streaming call to a model, 100 chunks of one
// token each, instrumented by inferenceslo (two objectives and the GenAI
// metrics) and, beside it, the way typical GenAI instrumentation does it.
// Neither includes the cost of producing the tokens: the loop only reports
// them.
//
//	go test -run '^$' -bench 'Inference|PeerOTelGenAI' -benchmem -count 5 -cpu 2 | tee inference.txt
//	benchstat inference.txt

const (
	inferenceChunks = 100
	inferenceInput  = 12
)

// genAIMeterProvider is an SDK meter provider read by a ManualReader that
// never collects: the recording cost alone.
func genAIMeterProvider(b *testing.B) *sdkmetric.MeterProvider {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return mp
}

func inferenceInstrument(b *testing.B, opts ...inferenceslo.Option) *inferenceslo.Instrument {
	tr, err := budget.New([]sli.Objective{
		{Name: "chat-availability", Target: 0.999},
		{Name: "chat-ttft", Kind: sli.TimeToFirstToken, Target: 0.99, Threshold: time.Second},
	})
	if err != nil {
		b.Fatal(err)
	}
	opts = append([]inferenceslo.Option{
		inferenceslo.WithMeterProvider(genAIMeterProvider(b)),
		inferenceslo.WithProvider("openai"),
	}, opts...)
	inst, err := inferenceslo.New(tr, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return inst
}

func inferenceCalls(b *testing.B, inst *inferenceslo.Instrument) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		call := inst.Start(ctx, "gpt-4o")
		for range inferenceChunks {
			call.Token()
		}
		call.SetUsage(inferenceInput, inferenceChunks)
		call.End(nil)
	}
}

// BenchmarkInferenceCall is inferenceslo in its default configuration: a
// streaming call counted toward a time-to-first-token and an availability
// objective, with the GenAI metrics (operation duration, time to first
// chunk, the call's mean time per output chunk, input and output token
// usage) recorded on an SDK meter provider.
func BenchmarkInferenceCall(b *testing.B) {
	inferenceCalls(b, inferenceInstrument(b))
}

// BenchmarkInferenceCallChunkTiming is the same call with
// inferenceslo.WithChunkTiming: time per output chunk recorded for every
// chunk after the first, as the conventions describe it.
func BenchmarkInferenceCallChunkTiming(b *testing.B) {
	inferenceCalls(b, inferenceInstrument(b, inferenceslo.WithChunkTiming()))
}

// BenchmarkPeerOTelGenAI is the same call instrumented the way typical GenAI
// instrumentation does it: attributes built per call with
// metric.WithAttributes, gen_ai.client.operation.duration,
// …time_to_first_chunk and two gen_ai.client.token.usage records once per
// call, …time_per_output_chunk for every chunk after the first.
func BenchmarkPeerOTelGenAI(b *testing.B) {
	m := genAIMeterProvider(b).Meter("peer-genai")
	durations := metric.WithExplicitBucketBoundaries(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
	duration, _ := m.Float64Histogram("gen_ai.client.operation.duration", metric.WithUnit("s"), durations)
	ttfc, _ := m.Float64Histogram("gen_ai.client.operation.time_to_first_chunk", metric.WithUnit("s"), durations)
	tpoc, _ := m.Float64Histogram("gen_ai.client.operation.time_per_output_chunk", metric.WithUnit("s"), durations)
	tokens, _ := m.Int64Histogram("gen_ai.client.token.usage", metric.WithUnit("{token}"),
		metric.WithExplicitBucketBoundaries(1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864))
	ctx := context.Background()
	model := "gpt-4o"
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		attrs := metric.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.provider.name", "openai"),
			attribute.String("gen_ai.request.model", model),
		)
		var prev time.Time
		for i := range inferenceChunks {
			now := time.Now()
			if i == 0 {
				ttfc.Record(ctx, now.Sub(start).Seconds(), attrs)
			} else {
				tpoc.Record(ctx, now.Sub(prev).Seconds(), attrs)
			}
			prev = now
		}
		duration.Record(ctx, time.Since(start).Seconds(), attrs)
		tokens.Record(ctx, inferenceInput, metric.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.provider.name", "openai"),
			attribute.String("gen_ai.request.model", model),
			attribute.String("gen_ai.token.type", "input"),
		))
		tokens.Record(ctx, inferenceChunks, metric.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.provider.name", "openai"),
			attribute.String("gen_ai.request.model", model),
			attribute.String("gen_ai.token.type", "output"),
		))
	}
}
