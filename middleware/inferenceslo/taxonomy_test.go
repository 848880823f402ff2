package inferenceslo_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

func TestClassifyStatus(t *testing.T) {
	for _, c := range []struct {
		code int
		want inferenceslo.ErrorType
	}{
		{200, inferenceslo.None}, {204, inferenceslo.None}, {304, inferenceslo.None},
		{400, inferenceslo.InvalidRequest}, {401, inferenceslo.InvalidRequest}, {404, inferenceslo.InvalidRequest},
		{408, inferenceslo.Timeout}, {413, inferenceslo.InvalidRequest},
		{429, inferenceslo.RateLimited},
		{500, inferenceslo.ProviderError}, {502, inferenceslo.ProviderError},
		{503, inferenceslo.Overloaded}, {504, inferenceslo.Timeout}, {529, inferenceslo.Overloaded},
		{599, inferenceslo.ProviderError}, {600, inferenceslo.Other},
	} {
		if got := inferenceslo.ClassifyStatus(c.code); got != c.want {
			t.Errorf("ClassifyStatus(%d) = %v, want %v", c.code, got, c.want)
		}
	}
}

type netErr struct{ timeout bool }

func (e netErr) Error() string   { return "net" }
func (e netErr) Timeout() bool   { return e.timeout }
func (e netErr) Temporary() bool { return false }

var _ net.Error = netErr{}

func TestClassifyError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want inferenceslo.ErrorType
	}{
		{nil, inferenceslo.None},
		{context.Canceled, inferenceslo.Canceled},
		{fmt.Errorf("read: %w", context.Canceled), inferenceslo.Canceled},
		{context.DeadlineExceeded, inferenceslo.Timeout},
		{os.ErrDeadlineExceeded, inferenceslo.Timeout},
		{&net.OpError{Op: "read", Err: netErr{timeout: true}}, inferenceslo.Timeout},
		{&net.OpError{Op: "dial", Err: netErr{}}, inferenceslo.Other},
		{io.ErrUnexpectedEOF, inferenceslo.BrokenStream},
		{inferenceslo.ErrContentFiltered, inferenceslo.ContentFiltered},
		{fmt.Errorf("answer: %w", inferenceslo.ErrInvalidOutput), inferenceslo.InvalidOutput},
		{inferenceslo.NewError(inferenceslo.Overloaded, errors.New("busy")), inferenceslo.Overloaded},
		{errors.New("something else"), inferenceslo.Other},
	} {
		if got := inferenceslo.ClassifyError(c.err); got != c.want {
			t.Errorf("ClassifyError(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestErrorIs(t *testing.T) {
	err := fmt.Errorf("call: %w", inferenceslo.NewError(inferenceslo.ContentFiltered, errors.New("policy")))
	if !errors.Is(err, inferenceslo.ErrContentFiltered) {
		t.Error("a wrapped content-filtered error is not ErrContentFiltered")
	}
	if errors.Is(err, inferenceslo.ErrInvalidOutput) {
		t.Error("a content-filtered error is ErrInvalidOutput")
	}
	if got := err.Error(); got != "call: inferenceslo: content_filtered: policy" {
		t.Errorf("Error() = %q", got)
	}
}

func TestErrorTypeNames(t *testing.T) {
	var names []string
	for et := inferenceslo.None + 1; et < inferenceslo.NumErrorTypes; et++ {
		names = append(names, et.String()+"="+inferenceslo.DefaultOutcomes[et].String())
	}
	want := "timeout=bad rate_limited=bad overloaded=bad provider_error=bad invalid_request=bad broken_stream=bad " +
		"invalid_output=bad content_filtered=excluded canceled=excluded _OTHER=bad"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("taxonomy\n got %s\nwant %s", got, want)
	}
}

// TestCallErrors: how a Call refines the error it ends with.
func TestCallErrors(t *testing.T) {
	for _, c := range []struct {
		name      string
		chunks    int
		cancel    bool
		fail      inferenceslo.ErrorType
		usage     []int64
		stream    bool
		err       error
		errorType string
		outcome   sli.Outcome
	}{
		{name: "unary success", err: nil, outcome: sli.Good},
		{name: "unary with output", usage: []int64{3, 4}, outcome: sli.Good},
		{name: "unary, zero output", usage: []int64{3, 0}, errorType: "invalid_output", outcome: sli.Bad},
		{name: "declared stream, no chunk", stream: true, errorType: "invalid_output", outcome: sli.Bad},
		{name: "stream", chunks: 3, outcome: sli.Good},
		{name: "timeout before first chunk", err: context.DeadlineExceeded, errorType: "timeout", outcome: sli.Bad},
		{name: "timeout after first chunk", chunks: 1, err: context.DeadlineExceeded, errorType: "broken_stream", outcome: sli.Bad},
		{name: "overloaded mid-stream", chunks: 5, err: inferenceslo.NewError(inferenceslo.Overloaded, nil), errorType: "broken_stream", outcome: sli.Bad},
		{name: "content filtered mid-stream", chunks: 5, err: inferenceslo.ErrContentFiltered, errorType: "content_filtered", outcome: sli.Excluded},
		{name: "canceled mid-stream", chunks: 5, cancel: true, err: errors.New("read on closed body"), errorType: "canceled", outcome: sli.Excluded},
		{name: "marked invalid", chunks: 5, fail: inferenceslo.InvalidOutput, errorType: "invalid_output", outcome: sli.Bad},
		{name: "mark beats the error", chunks: 5, fail: inferenceslo.ContentFiltered, err: io.ErrUnexpectedEOF, errorType: "content_filtered", outcome: sli.Excluded},
		{name: "unknown error", err: errors.New("tls: bad certificate"), errorType: "_OTHER", outcome: sli.Bad},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got sli.Event
			objs := []sli.Objective{{Name: "custom", Kind: sli.Custom, Target: 0.9, Classify: func(e sli.Event) sli.Outcome {
				got = e
				return e.Outcome
			}}}
			r := newRig(t, objs)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			call := r.inst.StartRequest(ctx, inferenceslo.Request{Model: "m", Stream: c.stream})
			for range c.chunks {
				r.clk.Advance(time.Millisecond)
				call.Token()
			}
			if c.usage != nil {
				call.SetUsage(c.usage[0], c.usage[1])
			}
			call.Fail(c.fail)
			if c.cancel {
				cancel()
			}
			call.End(c.err)
			if got.ErrorType != c.errorType || got.Outcome != c.outcome {
				t.Errorf("event %q %v, want %q %v", got.ErrorType, got.Outcome, c.errorType, c.outcome)
			}
		})
	}
}

// TestErrorOutcomeOption: an entry of the taxonomy made excluded, and an
// SDK's errors placed by a classifier.
func TestErrorOutcomeOption(t *testing.T) {
	type sdkError struct{ error }
	r := newRig(t, objectives(),
		inferenceslo.WithErrorOutcome(inferenceslo.RateLimited, sli.Excluded),
		inferenceslo.WithErrorOutcome(inferenceslo.ContentFiltered, sli.Bad),
		inferenceslo.WithErrorClassifier(func(err error) (inferenceslo.ErrorType, bool) {
			var e sdkError
			if errors.As(err, &e) {
				return inferenceslo.RateLimited, true
			}
			return 0, false
		}))
	for _, err := range []error{sdkError{errors.New("429")}, inferenceslo.ErrContentFiltered} {
		call := r.inst.Start(context.Background(), "m")
		call.End(err)
	}
	r.counts(t, "avail", 0, 1, 1)
}
