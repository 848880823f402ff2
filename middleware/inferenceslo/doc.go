// Package inferenceslo measures calls to AI models against service level
// objectives: availability under an inference error taxonomy, end-to-end
// latency, time to first token, time per output token, and the quality of
// the answers. It also records the OpenTelemetry GenAI client metrics, with
// package genaiotel.
//
// AI calls fail in ways status codes miss: a stream that stalls after its
// first token, a 200 with an empty answer, a model that quietly gets worse,
// latencies of tens of seconds. Each is a first-class verdict here.
//
// # Objectives
//
// The objectives are the core's (package sli); this package feeds them:
//
//	objectives := []sli.Objective{
//		{Name: "chat-availability", Target: 0.995},
//		{Name: "chat-ttft", Kind: sli.TimeToFirstToken, Target: 0.99, Threshold: 800 * time.Millisecond, GroupBy: sli.GroupByModel},
//		{Name: "chat-tpot", Kind: sli.TimePerOutputToken, Target: 0.99, Threshold: 50 * time.Millisecond},
//		{Name: "chat-latency", Kind: sli.Latency, Target: 0.99, Threshold: 30 * time.Second},
//		{Name: "chat-quality", Kind: sli.Quality, Target: 0.95, MinScore: 0.7, GroupBy: sli.GroupByModel},
//	}
//
// Availability takes the call's outcome under the taxonomy below. The
// latency kinds and quality count successful calls only. Quality counts the
// calls that carry a score (Call.Score, or Instrument.RecordScore for a
// verdict that arrives later, which feeds the quality objectives alone): a
// score below MinScore is bad, so a model's degradation burns budget and
// pages like an outage.
// Objectives grouped by "model", "provider" or "operation" keep one budget
// per value (calls that name no model are in the group "unknown"), bounded by the rule every adapter shares (budget.Resolver): an
// objective's MaxGroups, with "_OTHER" for the rest, and at most as many
// (provider, operation, model) combinations as the largest MaxGroups (at
// least sli.DefaultMaxGroups), in the series and the metrics' attributes
// alike. A model, provider or operation longer than sli.MaxGroupLen bytes
// (256) is "_OTHER" too: these names may come from a request's body, and one
// request naming a megabyte-long model must not make every scrape carry it.
//
// # Calls
//
// Create one Instrument when wiring, then one Call per request to a model.
// A streaming loop needs one line per chunk and one at the end:
//
//	call := inst.Start(ctx, "gpt-4o")
//	for stream.Next() {
//		call.Token() // or call.Chunk(n) for a chunk of n tokens
//	}
//	call.SetUsage(usage.Input, usage.Output) // when the provider reports it
//	call.End(stream.Err())
//
// Code deeper in the call stack reaches the call through the context, the
// way otelhttp's Labeler works, to score the output or reject it:
//
//	ctx = inferenceslo.ContextWithCall(ctx, &call)
//	…
//	if !valid(answer) {
//		inferenceslo.FromContext(ctx).Fail(inferenceslo.InvalidOutput)
//	}
//
// A server that streams answers over HTTP and counts its requests with
// httpslo (created WithOutcomeContext) starts its calls with the request's
// context: then End of a call that succeeded tells httpslo the response is
// complete, so that a client that hangs up at the end of the stream (the
// OpenAI SDKs close the connection at "[DONE]") counts as served for the
// HTTP objectives too, as it does here; see httpslo's "Callers that go
// away". End the call after the response's final flush.
//
// An application that calls its provider over HTTP can instead wrap its
// http.Client's transport with Instrument.Transport: availability, latency, the
// taxonomy from status codes and errors, and time to first chunk of
// server-sent events come without touching the calling code.
//
// # Error taxonomy
//
// Every call ends in one type of a closed set. Its default verdict for
// availability is in the table; WithErrorOutcome changes any entry to bad or
// excluded. The name is the event's ErrorType and the error.type attribute
// of gen_ai.client.operation.duration (none for success and cancellation).
//
//	type              name              default   from
//	----------------  ----------------  --------  ------------------------------------------------------
//	None              (none)            good      End(nil) with output
//	Timeout           timeout           bad       context.DeadlineExceeded, net.Error Timeout(), HTTP 408, 504
//	RateLimited       rate_limited      bad       HTTP 429
//	Overloaded        overloaded        bad       HTTP 503, 529
//	ProviderError     provider_error    bad       other HTTP 5xx
//	InvalidRequest    invalid_request   bad       other HTTP 4xx (bad parameters, prompt too long, auth)
//	BrokenStream      broken_stream     bad       any error after the first chunk; io.ErrUnexpectedEOF;
//	                                              a body that ends mid-event
//	InvalidOutput     invalid_output    bad       no output (no token, zero output tokens, empty body);
//	                                              ErrInvalidOutput; Fail(InvalidOutput); never
//	                                              zero output tokens of an "embeddings" call
//	ContentFiltered   content_filtered  excluded  ErrContentFiltered; Fail(ContentFiltered)
//	Canceled          canceled          excluded  context.Canceled; any error once the call's context
//	                                              is canceled; a body closed early mid-event
//	Other             _OTHER            bad       any other error (connection refused, TLS, …)
//
// The order of precedence is: a type marked with Fail (or carried by an
// *Error in the error chain) first; then cancellation of the call's
// context; then, once the first chunk has arrived, broken_stream for every
// error but the excluded ones and invalid_output, because the caller already
// holds a partial answer, whatever stalled it; then the error or status
// itself. WithErrorClassifier places the errors of a provider's SDK (by their
// status code, with ClassifyStatus) before ClassifyError sees them.
//
// A 4xx is bad by default, unlike a server's: here the application is the
// client, and a request its provider refuses (a rotated key, a prompt over
// the context limit) is a failed answer for the application's user.
//
// # OpenTelemetry
//
// On the meter provider of WithMeterProvider (the global one by default), an
// Instrument records the GenAI client metrics of package genaiotel (names,
// units, buckets and attributes are listed there) for every call: the
// duration, with error.type when the call failed; time to first chunk and
// time per output chunk for streaming calls; token usage when known.
//
// The conventions record time_per_output_chunk at every chunk after the
// first: a clock read and a record per chunk, more than the rest of a call
// costs. By default the instrument records once per streaming call the
// call's mean, (end − first chunk) / (chunks − 1); WithChunkTiming records
// every chunk.
//
// # Performance
//
// The first call of a (provider, operation, model) resolves its series and
// attribute sets; every later call does one lock-free map lookup at Start,
// three clock readings (start, first chunk, end) and, at End, one atomic
// add per objective and five OpenTelemetry records with prebuilt attribute
// sets. A Call lives on the caller's stack and allocates nothing; after the
// first token, Chunk and Token are two inlined increments. A streaming call
// of 100 chunks costs about 1.7 µs and no allocation on the project's
// 2-core machine (bench: BenchmarkInferenceCall), against about 41 µs and
// 112 allocations instrumented the usual way (BenchmarkPeerOTelGenAI).
//
// # Concurrency
//
// An Instrument is safe for concurrent use. A Call belongs to the goroutine
// that reads the answer, except Score, Fail and SetUsage, which any
// goroutine may call. The instrument starts no goroutine.
package inferenceslo
