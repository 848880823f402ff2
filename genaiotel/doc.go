// Package genaiotel records the OpenTelemetry GenAI client metrics
// (semantic conventions v1.41.0, at "development" stability) of calls to AI
// models: gen_ai.client.operation.duration, …time_to_first_chunk,
// …time_per_output_chunk and gen_ai.client.token.usage, with the
// conventions' bucket boundaries and attributes: gen_ai.operation.name,
// gen_ai.provider.name and gen_ai.request.model on all, error.type on the
// duration of a failed call, gen_ai.token.type on token usage (the keys are
// in go.opentelemetry.io/otel/semconv).
//
// It stands alone: package inferenceslo records these metrics for the calls
// it counts toward service level objectives, and any other code that calls a
// model can record them here without objectives.
//
// # Use
//
// Create the Metrics once, then one Recorder per (operation, provider,
// model) when it is first seen, and keep it: the Recorder holds its
// attribute sets, built once, so that recording a call builds nothing.
//
//	m, err := genaiotel.New(genaiotel.WithMeterProvider(mp))
//	…
//	rec := m.Recorder("chat", "openai", "gpt-4o", "", "timeout", "rate_limited")
//	…
//	rec.Duration(ctx, elapsed, 0) // 0: errorTypes[0], "", no error.type
//	rec.OutputTokens(ctx, usage.Output)
//
// error.type is a closed set given to Metrics.Recorder, and a call's failure
// an index into it: no attribute set is built per call. Metrics and Recorder
// are safe for concurrent use.
package genaiotel
