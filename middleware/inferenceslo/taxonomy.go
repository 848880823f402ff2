package inferenceslo

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"

	"github.com/errbudget/errbudget/sli"
)

// ErrorType is why an inference call failed, from a closed set: the
// taxonomy in the package documentation. The zero value, None, is a call that
// succeeded.
//
// Each type's String is what the call's sli.Event carries as ErrorType and,
// except for Canceled, what the gen_ai.client.operation.duration metric
// carries as error.type.
type ErrorType uint8

const (
	// None is a call that succeeded.
	None ErrorType = iota
	// Timeout is a call that ran out of time before its first chunk: a
	// deadline, a net.Error whose Timeout is true, HTTP 408 or 504.
	Timeout
	// RateLimited is a call the provider refused for quota: HTTP 429.
	RateLimited
	// Overloaded is a call the provider shed under load: HTTP 503 and 529.
	Overloaded
	// ProviderError is any other failure on the provider's side: HTTP 5xx
	// other than 503, 504 and 529.
	ProviderError
	// InvalidRequest is a call the provider refused as malformed or
	// unauthorised: HTTP 4xx other than 408 and 429 (a prompt too long, a
	// rotated key).
	InvalidRequest
	// BrokenStream is a stream that failed after its first chunk, whatever
	// the cause, or ended in the middle of an event (io.ErrUnexpectedEOF).
	BrokenStream
	// InvalidOutput is a call that completed with nothing usable: no output
	// at all, or output the application's validator rejected
	// (ErrInvalidOutput, Call.Fail(InvalidOutput)).
	InvalidOutput
	// ContentFiltered is a call the provider's content filter refused or
	// cut short, marked by the application (ErrContentFiltered).
	ContentFiltered
	// Canceled is a call its caller abandoned: context.Canceled, or any error
	// once the call's context is canceled.
	Canceled
	// Other is an error that fits none of the above (a refused connection,
	// a TLS failure, an error of the application's own). Its name is
	// "_OTHER", as the OpenTelemetry conventions spell the fallback.
	Other

	numErrorTypes = iota
)

var errorTypeNames = [numErrorTypes]string{
	None:            "",
	Timeout:         "timeout",
	RateLimited:     "rate_limited",
	Overloaded:      "overloaded",
	ProviderError:   "provider_error",
	InvalidRequest:  "invalid_request",
	BrokenStream:    "broken_stream",
	InvalidOutput:   "invalid_output",
	ContentFiltered: "content_filtered",
	Canceled:        "canceled",
	Other:           sli.OverflowGroup,
}

// metricErrorTypes are the error.type values of the operation duration, by
// type: none on success, and none on the caller's cancellation, which the
// conventions do not count as the operation's error.
var metricErrorTypes = func() [numErrorTypes]string {
	n := errorTypeNames
	n[Canceled] = ""
	return n
}()

// String returns the type's name as events and metrics carry it: "" for
// None, "timeout", "rate_limited", … "_OTHER".
func (t ErrorType) String() string {
	if int(t) < len(errorTypeNames) {
		return errorTypeNames[t]
	}
	return "ErrorType(" + strconv.Itoa(int(t)) + ")"
}

// defaultOutcomes is the taxonomy's default verdict for availability: the
// caller's cancellation and content filtering are not the service's to
// answer for; everything else is.
var defaultOutcomes = [numErrorTypes]sli.Outcome{
	None:            sli.Good,
	Timeout:         sli.Bad,
	RateLimited:     sli.Bad,
	Overloaded:      sli.Bad,
	ProviderError:   sli.Bad,
	InvalidRequest:  sli.Bad,
	BrokenStream:    sli.Bad,
	InvalidOutput:   sli.Bad,
	ContentFiltered: sli.Excluded,
	Canceled:        sli.Excluded,
	Other:           sli.Bad,
}

// Error is an error that carries its place in the taxonomy. Return one (or
// wrap one with %w) from code that knows better than a status code why a
// call failed; ClassifyError finds it anywhere in the chain.
type Error struct {
	// Type is the call's place in the taxonomy.
	Type ErrorType
	// Err is the underlying error; may be nil.
	Err error
}

// NewError returns an error of type t wrapping err.
func NewError(t ErrorType, err error) error { return &Error{Type: t, Err: err} }

// Error returns "inferenceslo: <type>" followed by the wrapped error.
func (e *Error) Error() string {
	if e.Err == nil {
		return "inferenceslo: " + e.Type.String()
	}
	return "inferenceslo: " + e.Type.String() + ": " + e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error of the same type with no wrapped
// error, so that errors.Is(NewError(ContentFiltered, cause),
// ErrContentFiltered) holds.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Err == nil && t.Type == e.Type
}

var (
	// ErrContentFiltered marks a call refused or cut short by content
	// filtering. Such calls are excluded by default: the input, not the
	// service, was at fault.
	ErrContentFiltered error = &Error{Type: ContentFiltered}
	// ErrInvalidOutput marks a call whose output the application rejected
	// (a validator of structured output said no). Such calls are bad.
	ErrInvalidOutput error = &Error{Type: InvalidOutput}
)

// ClassifyError places err in the taxonomy: None for nil; the type of an
// *Error anywhere in its chain; Canceled for context.Canceled; Timeout for
// context.DeadlineExceeded and any net.Error whose Timeout is true
// (http.Client timeouts, os.ErrDeadlineExceeded); BrokenStream for
// io.ErrUnexpectedEOF; Other for the rest.
//
// A Call refines this: once its context is canceled any error is Canceled,
// and after the first chunk most errors become BrokenStream.
func ClassifyError(err error) ErrorType {
	if err == nil {
		return None
	}
	if e := find(err, isTyped); e != nil {
		return e.(*Error).Type
	}
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return Timeout
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BrokenStream
	case find(err, isNetTimeout) != nil:
		return Timeout
	}
	return Other
}

func isTyped(err error) bool {
	_, ok := err.(*Error)
	return ok
}

func isNetTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// find returns the first error of err's tree, in the order errors.As visits
// it, for which match is true. Unlike errors.As it needs no pointer to a
// target, so a failed call allocates nothing to be classified.
func find(err error, match func(error) bool) error {
	for err != nil {
		if match(err) {
			return err
		}
		switch x := err.(type) {
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				if f := find(e, match); f != nil {
					return f
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// ClassifyStatus places an HTTP status code from a provider in the
// taxonomy: None below 400; Timeout for 408 and 504; RateLimited for 429;
// Overloaded for 503 and 529 (Anthropic's "overloaded"); ProviderError for
// other 5xx; InvalidRequest for other 4xx; Other beyond 599.
func ClassifyStatus(code int) ErrorType {
	switch {
	case code < 400:
		return None
	case code == 408 || code == 504:
		return Timeout
	case code == 429:
		return RateLimited
	case code == 503 || code == 529:
		return Overloaded
	case code < 500:
		return InvalidRequest
	case code < 600:
		return ProviderError
	}
	return Other
}

// afterFirstChunk is what an error becomes once the stream has begun: the
// caller holds a partial answer, so the stream broke, whatever the cause. A
// cancellation, content filtering and rejected output keep their own type.
func afterFirstChunk(t ErrorType) ErrorType {
	switch t {
	case None, Canceled, ContentFiltered, InvalidOutput, BrokenStream:
		return t
	}
	return BrokenStream
}
