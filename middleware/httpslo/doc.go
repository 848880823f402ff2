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
// are bounded whatever a route function returns, by the rule every adapter
// shares (budget.Resolver): past an objective's MaxGroups routes, and for
// routes longer than sli.MaxGroupLen bytes, requests count in its group
// sli.OverflowGroup; the first such route is logged, and Status.Overflow
// counts them.
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
// A caller that leaves before it has the whole response is excluded: not a
// failure of the service, nor a success. The middleware sees the request's
// context canceled when the handler returns, but not whether the caller left
// before the end or just after it: the OpenAI SDKs hang up at "data:
// [DONE]", often before the handler has returned from its final flush.
//
// So handler code says when the response is complete, after its final
// flush: SetResponseComplete (through the ResponseWriter, at no cost), or
// SetComplete (through the context, with WithOutcomeContext); inferenceslo's
// Call.End does it for a call that succeeded, started with the request's
// context. A response marked complete, everything written flushed, counts
// as what it was whenever the caller hung up (Call.Complete); one written to
// after its last flush is not complete. Unmarked, a caller gone before the
// handler returned is excluded. Flushed bytes have reached the operating
// system, not the caller: a caller whose own timeout fires while the last
// bytes are in flight still counts as served.
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
// Why it is an option: a context value reaches a handler only in a request
// of its own, so the middleware hands the handler a copy of the request
// (in the same single allocation as the call): about 300 bytes and 150 ns
// more per request. It is never pooled, as a context kept past the
// handler's return would then read another request's values. Without the
// option SetOutcome reports false.
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
// FirstToken, for time-to-first-token objectives, runs from the start to the
// first flush that follows a body write; for a response that never flushes,
// to the end (an upper bound: net/http sends a large body as its 4 KiB
// buffer fills). A response without a body has none. Reading the clock at
// flushes, not writes, keeps an unstreamed request at two readings, both
// from the tracker's clock (budget.WithClock), so a fake clock controls
// every duration.
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
