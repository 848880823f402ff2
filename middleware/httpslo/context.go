package httpslo

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/internal/httpcall"
	"github.com/errbudget/errbudget/sli"
)

// call is one request in flight: its start, the response writer, the
// outcome handler code set, in one allocation. It is never pooled: a
// handler that keeps its writer past its return (against net/http's rules)
// can only ever reach its own request.
type call struct {
	m     *Middleware
	r     *http.Request // the request the handler sees
	start time.Time
	w     responseWriter
	// mark is what handler code said, from any goroutine: in its low
	// byte 0, or 1 + the outcome SetOutcome set; markComplete when it
	// said the response was complete.
	mark atomic.Uint32
	// returned is set when the handler returned normally; a deferred
	// finish that finds it false is watching a panic unwind.
	returned bool
}

// contextCall is a call whose request carries it in its context, for
// SetOutcome (WithOutcomeContext): the call, the context and the request
// copy that carries the context, in one allocation.
//
// Why one allocation and no pool: context.WithValue plus Request.WithContext
// would cost two allocations besides the call; here the context is the
// contextCall itself (it embeds the request's own context and answers Value
// for its key), and the request copy WithContext makes lands inside it.
// Pooling it would cost nothing per request, but a context kept past the
// handler's return (a goroutine started with r.Context(), or
// context.WithoutCancel of it) would then read another request's values.
type contextCall struct {
	context.Context // the request's own context: deadline, cancelation, values
	call
	req http.Request // the request the handler sees; its context is this
}

// contextKey is the key under which a contextCall answers Value: the one
// other adapters (inferenceslo) know too.
type contextKey = httpcall.Key

// Value returns the call for contextKey and defers to the request's context
// for every other key (so context.Cause and the context package's own
// lookups see through it).
func (c *contextCall) Value(key any) any {
	if key == (contextKey{}) {
		return &c.call
	}
	return c.Context.Value(key)
}

const (
	outcomeMask  = 0xff
	markComplete = 1 << 8
)

// setOutcome records o, keeping the completion mark.
func (c *call) setOutcome(o sli.Outcome) {
	for {
		old := c.mark.Load()
		if c.mark.CompareAndSwap(old, old&^outcomeMask|(uint32(o)+1)&outcomeMask) {
			return
		}
	}
}

// SetComplete implements httpcall.Completer, for inferenceslo.
func (c *call) SetComplete(complete bool) {
	if complete {
		c.mark.Or(markComplete)
	} else {
		c.mark.And(^uint32(markComplete))
	}
}

// since reads the clock again: the tracker's clock when it is a fake one,
// and otherwise only the monotonic clock. A time.Now reading carries a
// monotonic reading; the start plus the monotonic time elapsed since is the
// time.Now of now, at about half the cost of reading the wall clock again,
// and immune to a wall-clock step in the middle of the request.
func (c *call) since() time.Time {
	if !c.m.realClock || c.start == c.start.Round(0) { // a fake clock
		return c.m.now()
	}
	return c.start.Add(time.Since(c.start))
}

// SetOutcome sets the outcome of the request whose context is ctx (or a
// context derived from it), for a response whose status code does not tell
// the truth: a 200 that carries an error (sli.Bad), a 500 that is the
// caller's fault (sli.Excluded). It needs a middleware created with
// WithOutcomeContext; it reports false when ctx does not belong to a request
// such a middleware is counting (no middleware, no WithOutcomeContext, a
// filtered request).
//
// The outcome overrides the status code, not a panic or a caller that went
// away (see Classify). The last call before the handler returns wins; calls
// after that change nothing. It is safe to call from any goroutine.
func SetOutcome(ctx context.Context, o sli.Outcome) bool {
	c, ok := ctx.Value(contextKey{}).(*call)
	if !ok {
		return false
	}
	c.setOutcome(o)
	return true
}

// SetResponseOutcome is SetOutcome through the handler's ResponseWriter
// instead of its context: it needs no option and costs nothing, so it is the
// way to mark a 200 that carries an error when the middleware runs without
// WithOutcomeContext. It finds the middleware's writer through wrappers that
// implement Unwrap() http.ResponseWriter (as http.ResponseController does),
// and reports false when there is none.
func SetResponseOutcome(w http.ResponseWriter, o sli.Outcome) bool {
	rw := writerOf(w)
	if rw == nil {
		return false
	}
	rw.c.setOutcome(o)
	return true
}

// writerOf finds the middleware's writer under w, through wrappers that
// implement Unwrap.
func writerOf(w http.ResponseWriter) *responseWriter {
	for w != nil {
		if rw, ok := w.(*responseWriter); ok {
			return rw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// SetResponseComplete tells the middleware that the response written to w
// is complete: the handler has written all of it. A caller that goes away
// after that, once what was written has been flushed toward it, received the
// response whole, and the request counts as what it was (its status, or
// what SetOutcome set) instead of excluded: see "Callers that go away" in
// the package documentation. Call it after the last write, typically after
// the final flush of a stream (a server-sent events "[DONE]"); a write after
// it that is not flushed before the handler returns undoes it.
//
// It costs nothing and needs no option. It finds the middleware's writer
// through wrappers that implement Unwrap() http.ResponseWriter, and reports
// false when there is none. Like the writer, it belongs to the handler's
// goroutine.
func SetResponseComplete(w http.ResponseWriter) bool {
	rw := writerOf(w)
	if rw == nil {
		return false
	}
	rw.c.mark.Or(markComplete)
	return true
}

// SetComplete is SetResponseComplete through the request's context (or a
// context derived from it), for code that holds no ResponseWriter. It needs
// a middleware created with WithOutcomeContext, and reports false when ctx
// does not belong to a request such a middleware is counting. It is safe to
// call from any goroutine. inferenceslo's Call.End does the same for a call
// that succeeded, on the context the call was started with.
func SetComplete(ctx context.Context) bool {
	c, ok := ctx.Value(contextKey{}).(*call)
	if ok {
		c.mark.Or(markComplete)
	}
	return ok
}
