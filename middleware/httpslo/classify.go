package httpslo

import (
	"context"
	"net/http"

	"github.com/errbudget/errbudget/sli"
)

// Call is what the middleware knows about a completed request when it
// classifies it. It is a plain value, built after the handler returned (or
// while its panic unwinds).
type Call struct {
	// Request is the request as the handler saw it: Pattern is set when a
	// ServeMux routed it. Read it; do not keep it.
	Request *http.Request
	// Route is the route the request counts under: the ServeMux pattern or
	// what the route function returned; "" when no route matched.
	Route string
	// Status is the final status code: the one the handler wrote, 200 when it
	// returned without writing (as net/http sends), 0 when it panicked
	// before writing or took over the connection. Informational 1xx codes
	// (100 Continue, 103 Early Hints) are not final and are not reported.
	Status int
	// Panicked is true when the handler panicked (or called
	// runtime.Goexit). The panic goes on unwinding after recording.
	Panicked bool
	// Hijacked is true when the handler took over the connection
	// (Hijack: WebSocket and other protocol upgrades).
	Hijacked bool
	// Err is the request context's error when the handler returned:
	// context.Canceled when the caller went away (or an HTTP/2 stream was
	// reset) before the handler returned, context.DeadlineExceeded when a
	// deadline set on the request's context passed; nil otherwise.
	Err error
	// Complete reports that handler code said the response was complete
	// (SetResponseComplete, SetComplete, or inferenceslo's End of a call
	// that succeeded) and that everything written had been flushed toward
	// the caller when the handler returned. Err then says only when the
	// caller hung up, not that it missed anything.
	Complete bool
	// Outcome is the outcome handler code set with SetOutcome or
	// SetResponseOutcome, when OutcomeSet is true.
	Outcome sli.Outcome
	// OutcomeSet reports whether handler code set the outcome.
	OutcomeSet bool
}

// Classify is the default classification, the table in the package
// documentation: the first rule that applies decides.
//
//   - the caller went away (Err is context.Canceled) before the response
//     was complete (not Complete): Excluded;
//   - the handler panicked: Bad;
//   - handler code called SetOutcome: that outcome;
//   - the request's deadline passed (Err is context.DeadlineExceeded)
//     before the response was complete: Bad;
//   - the connection was hijacked: Excluded;
//   - otherwise StatusOutcome(Status).
func Classify(c Call) sli.Outcome {
	switch {
	case c.Err == context.Canceled && !c.Complete:
		return sli.Excluded
	case c.Panicked:
		return sli.Bad
	case c.OutcomeSet:
		return c.Outcome
	case c.Err == context.DeadlineExceeded && !c.Complete:
		return sli.Bad
	case c.Hijacked:
		return sli.Excluded
	}
	return StatusOutcome(c.Status)
}

// StatusOutcome classifies a final status code: 5xx (and anything above) is
// Bad, 4xx (429 included) is the caller's and Excluded, 2xx and 3xx are Good,
// and 1xx (101 Switching Protocols) and 0 are Excluded.
func StatusOutcome(code int) sli.Outcome {
	switch {
	case code >= 500:
		return sli.Bad
	case code >= 400:
		return sli.Excluded
	case code >= 200:
		return sli.Good
	}
	return sli.Excluded
}

// The ErrorType values the middleware puts on bad events: a closed set.
const (
	// ErrorPanic marks a handler that panicked.
	ErrorPanic = "panic"
	// ErrorHandler marks a request handler code declared bad (SetOutcome).
	ErrorHandler = "handler"
	// ErrorTimeout marks a request whose context deadline passed.
	ErrorTimeout = "timeout"
	// ErrorServer marks a 5xx response.
	ErrorServer = "5xx"
	// ErrorClient marks a 4xx response a custom classifier counted as bad.
	ErrorClient = "4xx"
	// ErrorOther marks any other bad verdict of a custom classifier.
	ErrorOther = "other"
)

// errorType names why c was bad, from the closed set above.
func errorType(c *Call) string {
	switch {
	case c.Panicked:
		return ErrorPanic
	case c.OutcomeSet && c.Outcome == sli.Bad:
		return ErrorHandler
	case c.Err == context.DeadlineExceeded && !c.Complete:
		return ErrorTimeout
	case c.Status >= 500:
		return ErrorServer
	case c.Status >= 400:
		return ErrorClient
	}
	return ErrorOther
}
