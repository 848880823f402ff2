// Package httpslo counts the requests of a net/http server toward the
// objectives of a budget.Tracker: each completed request becomes one
// sli.Event (completion time, duration, outcome, time to the first byte,
// whether it streamed) recorded into the objectives its route counts toward.
//
// # Quick start
//
// New builds a Middleware from a tracker and options, returning every
// problem with the configuration at once; its Handler method wraps handlers.
// Wrap the ServeMux itself, so that the route (Request.Pattern) is read after
// the mux routed the request:
//
//	tr, err := budget.New([]sli.Objective{
//		{Name: "api-availability", Target: 0.999},
//		{Name: "api-latency", Kind: sli.Latency, Target: 0.99, Threshold: 300 * time.Millisecond, GroupBy: sli.GroupByRoute},
//	})
//	...
//	m, err := httpslo.New(tr)
//	...
//	http.ListenAndServe(addr, m.Handler(mux))
//
// Handler is also what routers' Use methods take (chi, gorilla/mux):
// r.Use(m.Handler).
//
// # Routes and objectives
//
// A request's route is the ServeMux pattern that matched it ("GET
// /items/{id}"), or what the function given with WithRouteFunc returns for
// other routers (chi's RoutePattern, gorilla/mux's CurrentRoute template);
// the function runs after the handler, once the router has matched. Mount the
// middleware where the router's route is visible: around a ServeMux, or with
// the router's Use method for chi and gorilla/mux. A handler between the
// middleware and a ServeMux that replaces the request (r.WithContext) hides
// the pattern the mux sets on its copy: put such handlers inside the mux, or
// outside the middleware. Raw paths are never used.
//
// By default a request counts toward every objective of the tracker;
// WithObjectives names the ones it counts toward, and WithRouteObjectives
// gives some routes objectives of their own. An objective whose GroupBy is
// sli.GroupByRoute ("route") keeps one budget per route, with the route as the
// group value; its MaxGroups caps the groups as for any grouped objective.
// A request no route matched (a 404 from the mux) counts under the route
// UnmatchedRoute ("_UNMATCHED", see WithUnmatchedRoute): one group however
// many paths are probed.
//
// Each route is resolved once, the first time it is seen, to the series it
// records into; after that a request costs one map lookup. The routes kept
// are bounded whatever a route function returns: past WithMaxRoutes
// (DefaultMaxRoutes) routes, and for routes longer than MaxRouteLen, requests
// count under one overflow route, group sli.OverflowGroup.
//
// # What counts as bad
//
// Classify is the default classification; the first row that applies
// decides. WithClassifier replaces it, and can call Classify to keep the
// rows it does not change.
//
//	| the request (first matching row)                      | outcome  | ErrorType |
//	|--------------------------------------------------------|----------|-----------|
//	| caller went away: context canceled, response not       | excluded |           |
//	| complete (see "Callers that go away")                  |          |           |
//	| handler panicked (http.ErrAbortHandler included)       | bad      | panic     |
//	| handler code set it (SetOutcome, SetResponseOutcome)   | as set   | handler   |
//	| the context's deadline passed, response not complete   | bad      | timeout   |
//	| handler hijacked the connection (WebSocket upgrade)    | excluded |           |
//	| status 5xx                                             | bad      | 5xx       |
//	| status 4xx, 429 included                               | excluded |           |
//	| status 2xx or 3xx; 200 when the handler wrote nothing  | good     |           |
//	| status 101 Switching Protocols                         | excluded |           |
//
// "Canceled" is context.Canceled on the request's context when the handler
// returns: the client closed the connection or reset its HTTP/2 stream.
// Informational responses (100 Continue, 103 Early Hints) are not final:
// the status that follows them counts. ErrorType is set on bad events only;
// a custom classifier's bad verdicts on other requests get "4xx" or "other".
//
// Latency objectives count only the requests this table calls good (failed
// requests are excluded from them, as sli.Latency documents).
//
// # Callers that go away
//
// A caller that leaves before it has the whole response is not a failure
// of the service, and not a success either: excluded. The middleware sees
// the request's context canceled when the handler returns; what it cannot
// see by itself is whether the caller left before the end or just after it.
// A streaming client may hang up as soon as it has read the last event: the
// OpenAI SDKs close the connection at "data: [DONE]", and when the handler
// takes a moment to return after its final flush (about one stream in
// twenty, in the demo), its context is already canceled. A final flush and
// a flush in the middle of a stream look the same from here.
//
// So handler code says when the response is complete: SetResponseComplete
// (through the ResponseWriter, at no cost and without an option), or
// SetComplete (through the context, with WithOutcomeContext); inferenceslo's
// Call.End does it for a call that succeeded, when the call was started with
// the request's context and the middleware has WithOutcomeContext. A
// response marked complete, everything written flushed when the handler
// returns, counts as what it was (its status, or what SetOutcome set),
// whenever the caller hung up; Call.Complete reports it. Mark it after the
// final flush: what is written after the last flush leaves only when the
// handler returns, too late for a caller already gone, so a request whose
// handler wrote after its last flush (or never flushed) is not complete.
//
// The default, for handlers that say nothing, is the rule as it was: a
// caller gone before the handler returned is excluded. It never counts a
// stream its caller abandoned as good; its cost is the case above, a stream
// received whole and excluded because its caller hung up at the end. What
// the rule still gets wrong, marked or not: a flush that succeeded has
// handed the bytes to the operating system, not to the caller, so a caller
// that leaves while the final bytes of a complete response are still in
// flight (its own timeout fires just then) counts as served; and a handler
// that marks its response complete and then gives up on a later part it
// never wrote counts as complete.
//
// # Setting the outcome from handler code
//
// A 200 that carries an error (an API that reports failures in its body, a
// GraphQL error, an empty answer) is marked bad with SetOutcome on the
// request's context; a 5xx that is really the caller's fault can be
// excluded the same way. The middleware must be created WithOutcomeContext:
//
//	m, err := httpslo.New(tr, httpslo.WithOutcomeContext())
//	...
//	if err != nil {
//		httpslo.SetOutcome(r.Context(), sli.Bad)
//	}
//
// The trade-off, and why it is an option: a context value reaches a handler
// only in a request of its own, so with WithOutcomeContext the middleware
// hands the handler a copy of the request whose context is the request's
// call. It stays one allocation per request (the context, the request copy
// and the response-writer wrapper together, where context.WithValue and
// Request.WithContext would cost two besides the wrapper), but that
// allocation grows by the size of an http.Request, about 300 bytes, and
// the copy costs write barriers while the garbage collector runs: about
// 150 ns per request in the benchmarks, half the middleware's own cost.
// Pooling the copy would avoid it, but a context kept past the handler's
// return (a goroutine started with r.Context(), or context.WithoutCancel of
// it) would then read another request's values; the middleware never takes
// that risk. Without the option, the handler gets the request as it came
// and SetOutcome reports false.
//
// Code that holds the ResponseWriter can set the outcome without the option
// and at no cost, with SetResponseOutcome (it sees through writer wrappers
// that implement Unwrap, as http.ResponseController does):
//
//	httpslo.SetResponseOutcome(w, sli.Bad)
//
// # Panics
//
// The middleware never recovers a panic: it records the request from a
// deferred call while the panic unwinds, and the panic goes on with its own
// value and stack, so net/http logs the frame that panicked and
// http.ErrAbortHandler keeps its meaning (abort quietly). runtime.Goexit in
// a handler counts as a panic.
//
// The application's own functions on the recording path are another
// matter: a route function (WithRouteFunc) or classifier (WithClassifier)
// that panics must not replace the handler's outcome or escape recording.
// Its panic is recovered (the first one logged with its stack, through the
// tracker's logger), and the request counts under the unmatched route, or as
// excluded.
//
// # Streaming, first byte and duration
//
// The event's Time is the completion time, read once when the handler
// returns; Duration runs from a start time read once before the handler ran
// to that completion, so a streamed response (server-sent events, a chunked
// download) counts its whole stream.
//
// Streaming is true when the handler flushed before finishing (Flush, or
// http.ResponseController's Flush). A response that never flushes reaches
// the caller in one piece when the handler returns, whatever its content
// type (net/http buffers what a handler writes until a flush or the end), so
// it is not a stream as far as the caller can tell.
//
// FirstToken, for time-to-first-token objectives, is the time from the start
// to the moment the first body byte was sent toward the caller: the first
// flush that follows a body write, read from the clock at that flush; for a
// response that never flushes, the end (FirstToken equals Duration). A
// large unflushed body starts leaving earlier, whenever net/http's buffer
// (4 KiB) fills, so its FirstToken is an upper bound. A response without a
// body has none (zero). Reading the clock at flushes rather than at writes
// keeps the common, unstreamed request at two clock readings (start and
// end). Those readings are the middleware's: recording the event
// (budget.Series.Record) reads no clock, it takes the event's time.
//
// Every clock reading comes from the tracker's clock (budget.WithClock), so
// a test with a fake clock controls every duration.
//
// # The response writer
//
// The handler writes through a wrapper that records the status and the first
// byte and keeps net/http's optional interfaces: it implements
// http.Flusher (and FlushError), http.Hijacker, io.ReaderFrom (net/http's
// sendfile path), io.StringWriter and http.Pusher, and Unwrap returns the
// writer it wraps, so http.ResponseController reaches everything else
// (deadlines, full duplex). Where the wrapped writer lacks a feature, the
// method answers as http.ResponseController would (http.ErrNotSupported).
//
// # OpenTelemetry
//
// There is no WithMeterProvider: the middleware makes no OpenTelemetry call
// per request. The tracker's state (events, burn rates, budgets) reaches
// OpenTelemetry through package budgetotel, which reads the counters when a
// collection asks.
//
// # Performance
//
// Per request, beyond the handler: one allocation (the call: about 100
// bytes, 400 with WithOutcomeContext), two clock readings (three for a
// streamed response), one map lookup for the route, and for each objective
// the route counts toward, the atomic adds of budget.Series.Record.
// Recording itself allocates nothing and takes no lock; a route's first
// request takes a mutex to resolve it. Filtered requests (WithFilter) cost
// the filter calls and nothing else.
//
// # Concurrency
//
// A Middleware and the handlers it returns are safe for concurrent use.
// SetOutcome may be called from any goroutine while the handler runs.
package httpslo
