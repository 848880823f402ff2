package inferenceslo

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/internal/httpcall"
	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/sli"
)

// Request names a call: whom it asks, which model, for what. Empty fields take
// the Instrument's defaults (WithProvider, WithOperation).
type Request struct {
	// Provider is the gen_ai.provider.name: "openai", "anthropic",
	// "gcp.gemini", "aws.bedrock", "ollama"…
	Provider string
	// Model is the model requested, the gen_ai.request.model. It is the
	// group of objectives grouped by model.
	Model string
	// Operation is the gen_ai.operation.name: "chat", "text_completion",
	// "embeddings"…
	Operation string
	// Stream declares a streaming call before its first chunk, so that a
	// stream that ends without one counts as empty output. A call that
	// receives a chunk is streaming in any case.
	Stream bool
}

// Call is one call to a model in progress. Start one, report each chunk
// (or token) of a streamed answer with Chunk or Token, report what the
// provider counted with SetUsage, and End it once with the call's error (the
// package documentation shows the loop).
//
// A Call is a value meant to live in the caller's stack frame: starting,
// reporting and ending one allocates nothing. It reads the clock three
// times: at Start, at the first chunk, at End (and at every chunk with
// WithChunkTiming). Do not copy a Call once started (go vet reports copies);
// pass its address.
//
// Chunk, Token and End belong to the goroutine that reads the answer. Score,
// Fail and SetUsage may be called from any goroutine, typically by code
// deeper in the call stack that found the Call with FromContext. Methods
// called after End are ignored. The zero Call, a nil *Call and a Call from a
// nil *Instrument record nothing.
type Call struct {
	in                     *Instrument
	t                      *target
	ctx                    context.Context
	start, first, firstTok time.Time
	prev                   time.Time // the previous chunk, with WithChunkTiming
	chunks, out            int64
	stream, gotTok         bool
	slow                   bool // Chunk must call tick
	noEmpty                bool // the transport judges emptiness by bytes

	// Set by deeper code, possibly from another goroutine.
	mark     atomic.Uint32 // an ErrorType from Fail; None when unmarked
	scored   atomic.Bool
	score    atomic.Uint64 // float64 bits
	usage    atomic.Bool
	usageIn  atomic.Int64
	usageOut atomic.Int64
}

// Start starts a call to model with the Instrument's default provider and
// operation. ctx is the call's context: its cancellation makes a failed call
// Canceled, and it is passed to the OpenTelemetry records (for exemplars).
func (in *Instrument) Start(ctx context.Context, model string) Call {
	return in.StartRequest(ctx, Request{Model: model})
}

// StartRequest starts a call described by req.
func (in *Instrument) StartRequest(ctx context.Context, req Request) Call {
	if in == nil {
		return Call{}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return Call{in: in, t: in.target(&req), ctx: ctx, start: in.now(), stream: req.Stream, slow: true}
}

// Token reports one output token (or one chunk, when the caller does not
// count tokens): Chunk(1).
func (c *Call) Token() {
	// Chunk(1), spelled out so that both stay within the inlining budget.
	if c == nil || c.slow && !c.tick(1) {
		return
	}
	c.chunks++
	c.out++
}

// Chunk reports one chunk of a streamed answer carrying tokens output
// tokens; 0 for a chunk without content (a role, a tool-call header). The
// first chunk's arrival is the time to first chunk; the first chunk that
// carries a token is the time to first token.
func (c *Call) Chunk(tokens int) {
	if c == nil || c.slow && !c.tick(tokens) {
		return
	}
	c.chunks++
	c.out += int64(tokens) // a negative count is clamped at End
}

// tick reads the clock for the first chunk, the first token, and every chunk
// under WithChunkTiming. Once the first token has arrived (without
// WithChunkTiming) it clears c.slow, and Chunk is a pair of increments. It
// reports false for a call that records nothing (ended, or the zero Call),
// whose chunks are not counted.
func (c *Call) tick(tokens int) bool {
	in := c.in
	if in == nil {
		return false
	}
	if c.chunks > 0 && tokens <= 0 && !in.perChunk {
		return true // a chunk without content, still waiting for the first token
	}
	now := in.now()
	if c.chunks == 0 {
		c.first = now
	}
	if tokens > 0 && !c.gotTok {
		c.firstTok, c.gotTok = now, true
	}
	if in.perChunk {
		if c.chunks > 0 && c.t.rec != nil {
			c.t.rec.TimePerOutputChunk(c.ctx, now.Sub(c.prev))
		}
		c.prev = now
	}
	c.slow = in.perChunk || !c.gotTok
	return true
}

// SetUsage reports the provider's own token counts, which replace what
// Chunk counted. A provider that reports zero output tokens for a call
// that succeeded makes it InvalidOutput (empty).
func (c *Call) SetUsage(input, output int64) {
	if c == nil {
		return
	}
	c.usageIn.Store(max(input, 0))
	c.usageOut.Store(max(output, 0))
	c.usage.Store(true)
}

// Score gives the call's output a quality score (an evaluation, a
// validator's confidence, a user's rating). Quality objectives count the
// call good when the score is at least their MinScore; other objectives
// ignore it. NaN is ignored. The last score before End counts.
func (c *Call) Score(v float64) {
	if c == nil || math.IsNaN(v) {
		return
	}
	c.score.Store(math.Float64bits(v))
	c.scored.Store(true)
}

// Fail marks the call as failed with t whatever error End receives: code
// that inspected the output marks InvalidOutput (the validator said no) or
// ContentFiltered (the answer was cut by a filter). None and unknown types
// are ignored.
func (c *Call) Fail(t ErrorType) {
	if c == nil || t == None || t >= numErrorTypes {
		return
	}
	c.mark.Store(uint32(t))
}

// End ends the call with its error (nil when it succeeded) and records it:
// one event into every objective's series, and the GenAI metrics. Only the
// first End counts.
//
// The error type comes from, in order: Fail; the WithErrorClassifier
// function and ClassifyError, refined (Canceled once the call's context is
// canceled; BrokenStream after the first chunk, see ErrorType); a call that
// succeeded with no output (a stream without tokens, or usage of zero output
// tokens) is InvalidOutput.
//
// Started with the context of a request that httpslo counts (created
// WithOutcomeContext), End tells httpslo whether the response is complete
// (see the package doc): call it after the response's final flush.
func (c *Call) End(err error) {
	if c == nil || c.in == nil {
		return
	}
	c.endAt(c.in.now(), err)
}

// endAt records the call as ended at end. It clears c.in, which makes later
// calls of Chunk and End no-ops.
func (c *Call) endAt(end time.Time, err error) {
	in := c.in
	t := None
	if err != nil {
		t = c.classify(err)
	}
	if m := ErrorType(c.mark.Load()); m != None {
		t = m
	}
	out := max(c.out, 0)
	usage := c.usage.Load()
	inTok := int64(0)
	if usage {
		inTok, out = c.usageIn.Load(), c.usageOut.Load()
	}
	streaming := c.stream || c.chunks > 0
	// An embeddings call outputs vectors, not tokens: zero output tokens is
	// its normal usage, not an empty answer.
	if t == None && out == 0 && !c.noEmpty && (streaming || usage) && c.t.key.operation != operationEmbeddings {
		t = InvalidOutput
	}
	e := sli.Event{
		Time:         end,
		Duration:     end.Sub(c.start),
		Outcome:      in.outcomes[t],
		ErrorType:    errorTypeNames[t],
		Streaming:    streaming,
		InputTokens:  inTok,
		OutputTokens: out,
	}
	if c.gotTok {
		// At least 1 ns: zero means "no first token".
		e.FirstToken = max(c.firstTok.Sub(c.start), 1)
	}
	if c.scored.Load() {
		e.Score, e.Scored = math.Float64frombits(c.score.Load()), true
	}
	c.t.set.Record(e)
	// When the call serves an HTTP request that httpslo counts (its
	// context is the request's, WithOutcomeContext), the answer is the
	// response: complete if the call succeeded, and not if it failed.
	httpcall.SetComplete(c.ctx, t == None)
	if r := c.t.rec; r != nil {
		r.Duration(c.ctx, e.Duration, int(t))
		if streaming && c.chunks > 0 {
			r.TimeToFirstChunk(c.ctx, c.first.Sub(c.start))
			if c.chunks > 1 && !in.perChunk {
				r.TimePerOutputChunk(c.ctx, end.Sub(c.first)/time.Duration(c.chunks-1))
			}
		}
		if usage {
			r.InputTokens(c.ctx, inTok)
		}
		if usage || out > 0 {
			r.OutputTokens(c.ctx, out)
		}
	}
	c.in, c.slow = nil, true // later Chunks go to tick, which ignores them
}

func (c *Call) classify(err error) ErrorType {
	t, ok := None, false
	if c.in.classify != nil {
		t, ok = c.in.userClassify(err)
	}
	if !ok || t >= numErrorTypes {
		t = ClassifyError(err)
	}
	switch t {
	case None, Canceled, ContentFiltered, InvalidOutput:
	default:
		// Whatever failed once the caller went away, the caller is why.
		if errors.Is(c.ctx.Err(), context.Canceled) {
			t = Canceled
		} else if t == Other && pastDeadline(c.ctx) {
			// An error that says only "canceled" from a context past its
			// deadline (http.Client's Timeout cancels a transport it does
			// not know that way) is a timeout.
			t = Timeout
		}
	}
	if c.chunks > 0 {
		t = afterFirstChunk(t)
	}
	return t
}

// userClassify calls the application's error classifier. Recording never
// panics: a panic there is recovered and counted (the first one logged), and
// the error is left to ClassifyError, as when the classifier reports false.
func (in *Instrument) userClassify(err error) (t ErrorType, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			wiring.RecoveredPanic(in.tr, "inferenceslo: error classifier (WithErrorClassifier)", v)
			t, ok = None, false
		}
	}()
	return in.classify(err)
}

// RecordScore records a quality score for model that arrives apart from any
// call (a user's rating minutes later, an offline evaluation): an answer that
// was delivered, scored at the instrument's clock, recorded into the Quality
// objectives only, so that availability and latency count no call twice.
func (in *Instrument) RecordScore(model string, score float64) {
	if in == nil || math.IsNaN(score) {
		return
	}
	req := Request{Model: model}
	in.target(&req).quality.Record(sli.Event{Time: in.now(), Outcome: sli.Good, Score: score, Scored: true})
}

// pastDeadline reports whether ctx's deadline has passed. It reads the real
// clock, as deadlines do, and only for a failed call.
func pastDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

type callKey struct{}

// ContextWithCall returns a copy of ctx that carries c, for code deeper in
// the call stack to find with FromContext (the otelhttp Labeler pattern).
// Storing the Call's address moves it to the heap: one allocation, with the
// context's own.
func ContextWithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// FromContext returns the Call ctx carries, or nil; a nil *Call accepts
// every method and records nothing, so deeper code needs no check:
//
//	inferenceslo.FromContext(ctx).Fail(inferenceslo.InvalidOutput)
func FromContext(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}
