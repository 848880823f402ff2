package httpslo

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// call is one request in flight: the context the handler sees, the request
// copy that carries it, and the response writer, in one allocation.
//
// Why one allocation and no pool: handler code must be able to mark the
// outcome through the request's context, so the context has to carry
// something of this request. context.WithValue plus Request.WithContext
// would cost two allocations; here the call itself is the context (it
// embeds the request's own context and answers Value for its key), and the
// request copy WithContext makes lands inside the call, so the whole
// request costs one. Pooling the call would bring that to zero, but a
// context, a request or a writer kept past the handler's return (a goroutine
// that logs r.Context() later) would then see another request's state; one
// allocation is the price of never doing that.
type call struct {
	context.Context // the request's own context: deadline, cancelation, values

	m     *Middleware
	start time.Time
	req   http.Request // the request the handler sees; its context is this call
	w     responseWriter
	mark  atomic.Uint32 // 0, or 1 + the outcome SetOutcome set
	// returned is set when the handler returned normally; a deferred
	// finish that finds it false is watching a panic unwind.
	returned bool
}

// since reads the clock again: the tracker's clock when it is a fake one,
// and otherwise only the monotonic clock. A time.Now reading carries a
// monotonic reading; the start plus the monotonic time elapsed since is the
// time.Now of now, at about half the cost of reading the wall clock again,
// and immune to a wall-clock step in the middle of the request.
func (c *call) since() time.Time {
	if c.start == c.start.Round(0) { // no monotonic reading: a fake clock
		return c.m.now()
	}
	return c.start.Add(time.Since(c.start))
}

// contextKey is the key under which a call answers Value.
type contextKey struct{}

// Value returns the call for contextKey and defers to the request's context
// for every other key (so context.Cause and the context package's own
// lookups see through the call).
func (c *call) Value(key any) any {
	if key == (contextKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// SetOutcome sets the outcome of the request whose context is ctx (or a
// context derived from it), for a response whose status code does not tell
// the truth: a 200 that carries an error (sli.Bad), a 500 that is the
// caller's fault (sli.Excluded). It reports false when ctx does not belong to
// a request the middleware is counting (no middleware, or a filtered
// request).
//
// The outcome overrides the status code, not a panic or a caller that went
// away (see Classify). The last call before the handler returns wins; calls
// after that change nothing. It is safe to call from any goroutine.
func SetOutcome(ctx context.Context, o sli.Outcome) bool {
	c, ok := ctx.Value(contextKey{}).(*call)
	if !ok {
		return false
	}
	c.mark.Store(uint32(o) + 1)
	return true
}
