package sli

import (
	"strconv"
	"time"
)

// Outcome is the verdict on one event for one objective: it counts toward the
// objective's good events, its bad events, or neither.
//
// The zero value is Excluded, so a zero Event counts for nothing.
type Outcome uint8

const (
	// Excluded events count neither way: a caller's mistake (a 4xx), a call
	// the caller abandoned, an event an objective does not apply to.
	Excluded Outcome = iota
	// Good events met the objective.
	Good
	// Bad events missed it and consume error budget.
	Bad
)

var outcomeNames = [...]string{"excluded", "good", "bad"}

// String returns "excluded", "good" or "bad".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Event is one completed call as a middleware saw it, passed by value so that
// recording it never allocates. It counts at Time (recording never reads the
// clock); a field the middleware does not know stays zero.
type Event struct {
	// Time is when the call completed.
	Time time.Time
	// Duration is the call's end-to-end latency; for a streaming response the
	// whole stream.
	Duration time.Duration
	// Outcome is Good for a call that succeeded, Bad for one that failed by
	// the service's fault, Excluded for one that is not the service's to
	// answer for (a client error, a caller that went away).
	Outcome Outcome
	// ErrorType names why a bad call failed, from a small closed set (for
	// example "timeout", "5xx", "broken_stream"); empty on success.
	ErrorType string
	// Streaming is true for a streamed response (server-sent events, a gRPC
	// server stream, a token stream from a model).
	Streaming bool
	// FirstToken is the time from the start of the call to its first byte,
	// chunk or token; zero when none arrived.
	FirstToken time.Duration
	// InputTokens and OutputTokens count the tokens of an inference call.
	InputTokens, OutputTokens int64
	// Score is a quality score for the call's output (an evaluation, a
	// validator, user feedback); it counts only when Scored is true.
	Score float64
	// Scored reports whether Score holds a verdict.
	Scored bool
}

// TimePerOutputToken is the mean time between output tokens after the first:
// (Duration − FirstToken) / (OutputTokens − 1). It reports false for calls
// with fewer than two output tokens or no first-token time.
func (e Event) TimePerOutputToken() (time.Duration, bool) {
	if e.OutputTokens < 2 || e.FirstToken <= 0 || e.Duration < e.FirstToken {
		return 0, false
	}
	return (e.Duration - e.FirstToken) / time.Duration(e.OutputTokens-1), true
}

// Recorder records completed calls. Implementations must be safe for
// concurrent use, must not allocate or block, and must never panic or fail:
// a value they cannot use is dropped and counted.
type Recorder interface {
	Record(e Event)
}

// RecorderFunc adapts a function to the Recorder interface.
type RecorderFunc func(e Event)

// Record calls f(e).
func (f RecorderFunc) Record(e Event) { f(e) }
