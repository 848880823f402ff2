package httpslo

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/sli"
)

// UnmatchedRoute is the default group value, for objectives grouped by
// route, of requests that no route matched.
const UnmatchedRoute = "_UNMATCHED"

// Middleware counts every request of the handlers it wraps toward a
// tracker's objectives. Create one with New, wrap handlers with Handler.
//
// A Middleware is safe for concurrent use, and may wrap several handlers;
// they share its route table. It has no zero value: use New.
type Middleware struct {
	tr        *budget.Tracker
	now       func() time.Time
	realClock bool // tr reads time.Now: call.since may use the monotonic clock
	filters   []func(*http.Request) bool
	routeFunc func(*http.Request) string
	classify  func(Call) sli.Outcome
	routes    routes
	// outcomeContext makes each request's context carry its call, for
	// SetOutcome (WithOutcomeContext).
	outcomeContext bool
}

// New returns a middleware that records into tr, configured by opts. Every
// problem with the configuration comes back at once in the error: unknown
// objective names, objectives grouped by a label the middleware cannot tell
// (anything but sli.GroupByRoute), nil functions. It panics
// when tr is nil, as http.Handle does with a nil handler: that is a wiring
// bug, not configuration.
//
// The middleware reads tr's clock (budget.WithClock) at the start of a
// request and at its end, and once more at the first flush of a streamed
// response; a test that gives the tracker a fake clock controls every
// duration.
func New(tr *budget.Tracker, opts ...Option) (*Middleware, error) {
	if tr == nil {
		panic("httpslo: New with a nil tracker")
	}
	c := config{unmatched: UnmatchedRoute}
	for _, o := range opts {
		o.apply(&c)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("httpslo: "+format, args...))
	}
	// resolveNames resolves the objectives of one scope (the default, a
	// route or method); nil names mean every objective.
	resolveNames := func(where string, names []string) *resolver {
		r, problems := budget.NewResolver(tr, names, []string{sli.GroupByRoute}, func(_ route, s budget.Set) budget.Set { return s })
		for _, p := range problems {
			bad("%s: %v", where, p)
		}
		return r
	}
	var names []string // nil: every objective of the tracker
	if c.objectivesSet {
		names = append([]string{}, c.objectives...) // named, maybe none (an error)
	}
	def := resolveNames("objectives", names)
	var perRoute map[string]*resolver
	if len(c.routeObjectives) > 0 {
		perRoute = make(map[string]*resolver, len(c.routeObjectives))
	}
	for route, names := range c.routeObjectives {
		perRoute[route] = resolveNames(fmt.Sprintf("route %q", route), append([]string{}, names...))
	}
	if c.classifySet && c.classify == nil {
		bad("WithClassifier(nil)")
	}
	if c.routeFuncSet && c.routeFunc == nil {
		bad("WithRouteFunc(nil)")
	}
	if c.nilFilter {
		bad("WithFilter(nil)")
	}
	if c.unmatched == "" {
		bad("WithUnmatchedRoute: empty name")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m := &Middleware{
		tr:             tr,
		now:            tr.Now,
		realClock:      wiring.RealClock(tr),
		filters:        c.filters,
		routeFunc:      c.routeFunc,
		classify:       c.classify,
		outcomeContext: c.outcomeContext,
		routes: routes{
			def:       def,
			perRoute:  perRoute,
			unmatched: c.unmatched,
		},
	}
	return m, nil
}

// Handler returns next wrapped: every request it serves (that the filters
// let through) is recorded once, when the handler returns or panics. Its
// type suits routers' Use methods (r.Use(m.Handler)). Wrap the ServeMux
// itself, not the handlers registered on it, so that Request.Pattern is
// read after the mux routed the request:
//
//	m, err := httpslo.New(tr)
//	…
//	http.ListenAndServe(addr, m.Handler(mux))
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return &handler{m: m, next: next}
}

type handler struct {
	m    *Middleware
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := h.m
	for _, f := range m.filters {
		if !f(r) {
			h.next.ServeHTTP(w, r)
			return
		}
	}
	var c *call
	if m.outcomeContext {
		cc := &contextCall{Context: r.Context()}
		// WithContext is inlined and its copy does not escape: the request
		// the handler sees lives inside cc, and r itself is left untouched.
		cc.req = *r.WithContext(cc)
		c = &cc.call
		c.r = &cc.req
	} else {
		c = &call{r: r}
	}
	c.m = m
	c.w = responseWriter{rw: w, c: c}
	c.start = m.now()
	defer m.finish(c)
	h.next.ServeHTTP(&c.w, c.r)
	c.returned = true
}

// finish records the request, once: when the handler returned, or while its
// panic unwinds. It never recovers, so a panic goes on with its own value
// and stack (http.ErrAbortHandler keeps its meaning).
func (m *Middleware) finish(c *call) {
	end := c.since()
	route := c.r.Pattern
	if m.routeFunc != nil {
		route = m.userRoute(c.r)
	}
	set := m.routes.lookup(route)
	w := &c.w
	cl := Call{
		Request:  c.r,
		Route:    route,
		Status:   w.status,
		Panicked: !c.returned,
		Hijacked: w.hijacked,
		Err:      c.r.Context().Err(),
	}
	if cl.Status == 0 && !cl.Panicked && !cl.Hijacked {
		cl.Status = http.StatusOK
	}
	mk := c.mark.Load()
	if o := mk & outcomeMask; o != 0 {
		cl.Outcome, cl.OutcomeSet = sli.Outcome(o-1), true
	}
	// Complete only if all of it had left: what was written after the last
	// flush leaves once the handler returns, too late for a caller gone.
	cl.Complete = mk&markComplete != 0 && w.sent
	var o sli.Outcome
	if m.classify != nil {
		o = m.userClassify(cl)
	} else {
		o = Classify(cl)
	}
	e := sli.Event{
		Time:       end,
		Duration:   end.Sub(c.start),
		Outcome:    o,
		Streaming:  w.flushed,
		FirstToken: w.first,
	}
	if w.wrote && e.FirstToken == 0 {
		// Never flushed after a body byte: the body left at the end.
		e.FirstToken = max(e.Duration, 1)
	}
	if o == sli.Bad {
		e.ErrorType = errorType(&cl)
	}
	set.Record(e)
}

// userRoute and userClassify call the application's functions on the
// recording path. Recording never panics, and must not replace a handler's
// panic that is unwinding: a panic in them is recovered and counted (the
// first one logged), and the request then counts under no route (the
// unmatched one) or as excluded.
func (m *Middleware) userRoute(r *http.Request) (route string) {
	defer func() {
		if v := recover(); v != nil {
			wiring.RecoveredPanic(m.tr, "httpslo: route function (WithRouteFunc)", v)
			route = ""
		}
	}()
	return m.routeFunc(r)
}

func (m *Middleware) userClassify(cl Call) (o sli.Outcome) {
	defer func() {
		if v := recover(); v != nil {
			wiring.RecoveredPanic(m.tr, "httpslo: classifier (WithClassifier)", v)
			o = sli.Excluded
		}
	}()
	return m.classify(cl)
}
