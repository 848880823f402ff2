// Package httpcall lets other adapters tell httpslo, through a request's
// context, whether the response of the request they serve is complete:
// inferenceslo's End says so for a call that succeeded, and takes it back
// for one that failed. httpslo's request context (WithOutcomeContext)
// answers Key with a Completer.
package httpcall

import "context"

// Key is the context key under which httpslo's request context answers
// with its Completer.
type Key struct{}

// Completer is httpslo's call.
type Completer interface {
	// SetComplete marks the response complete, or takes the mark back.
	SetComplete(complete bool)
}

// SetComplete marks the response of the request whose context is ctx
// complete (or takes the mark back), and reports whether an httpslo
// middleware is counting that request.
func SetComplete(ctx context.Context, complete bool) bool {
	c, ok := ctx.Value(Key{}).(Completer)
	if ok {
		c.SetComplete(complete)
	}
	return ok
}
