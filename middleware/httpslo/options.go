package httpslo

import (
	"net/http"

	"github.com/errbudget/errbudget/sli"
)

// Option configures a Middleware. Options are resolved once, in New; none is
// consulted per request beyond the functions they install. An option given
// twice keeps the later value; WithFilter and WithRouteObjectives add to
// what earlier calls gave.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	objectives      []string
	objectivesSet   bool
	routeObjectives map[string][]string
	classify        func(Call) sli.Outcome
	classifySet     bool
	routeFunc       func(*http.Request) string
	routeFuncSet    bool
	filters         []func(*http.Request) bool
	nilFilter       bool
	unmatched       string
	outcomeContext  bool
}

// WithObjectives names the objectives every request counts toward (those of
// routes that WithRouteObjectives lists excepted). The default is every
// objective of the tracker, which suits a tracker that holds only this
// server's objectives. A later WithObjectives replaces an earlier one.
func WithObjectives(names ...string) Option {
	names = append([]string(nil), names...)
	return optionFunc(func(c *config) {
		c.objectives = names
		c.objectivesSet = true
	})
}

// WithRouteObjectives makes the requests of the listed routes count toward
// the named objectives instead of the default ones: routes maps a route (a
// ServeMux pattern such as "POST /checkout", or what the route function
// returns) to objective names. Routes not listed use the default objectives.
// Several calls merge; a later route entry replaces an earlier one.
//
// The listed routes' groups count toward their objectives' MaxGroups as
// any other route's do.
func WithRouteObjectives(routes map[string][]string) Option {
	cp := make(map[string][]string, len(routes))
	for k, v := range routes {
		cp[k] = append([]string(nil), v...)
	}
	return optionFunc(func(c *config) {
		if c.routeObjectives == nil {
			c.routeObjectives = map[string][]string{}
		}
		for k, v := range cp {
			c.routeObjectives[k] = v
		}
	})
}

// WithClassifier replaces the default classification (Classify, and the
// table in the package documentation) with f. It runs once per request, on
// the recording path: keep it cheap. To change one rule and keep the others,
// call Classify from f:
//
//	httpslo.WithClassifier(func(c httpslo.Call) sli.Outcome {
//		if c.Status == http.StatusTooManyRequests {
//			return sli.Bad // we promise not to shed load
//		}
//		return httpslo.Classify(c)
//	})
func WithClassifier(f func(Call) sli.Outcome) Option {
	return optionFunc(func(c *config) {
		c.classify = f
		c.classifySet = true
	})
}

// WithRouteFunc sets how a request's route is found, for routers other than
// net/http's ServeMux (chi, gorilla/mux). f is called after the handler
// returned, so a router that fills in its route while it dispatches has done
// so; it may return "" for a request no route matched. The default reads
// Request.Pattern, which ServeMux sets.
//
// f should return route templates ("/users/{id}"), never raw paths; still,
// whatever it returns, the routes kept are bounded (see the package
// documentation).
func WithRouteFunc(f func(*http.Request) string) Option {
	return optionFunc(func(c *config) {
		c.routeFunc = f
		c.routeFuncSet = true
	})
}

// WithFilter adds a filter: a request for which any filter returns false is
// served without being counted (health checks, metrics scrapes). Filters run
// in the order given, before the handler, on the request as it arrived (no
// route is known yet).
func WithFilter(f func(*http.Request) bool) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.nilFilter = true
			return
		}
		c.filters = append(c.filters, f)
	})
}

// WithUnmatchedRoute sets the route of requests that no route matched (the
// route is ""): the group they count in for objectives grouped by route. The
// default is UnmatchedRoute.
func WithUnmatchedRoute(name string) Option {
	return optionFunc(func(c *config) { c.unmatched = name })
}

// WithOutcomeContext lets handler code set a request's outcome through its
// context (SetOutcome, SetComplete), at the cost of a copy of the request:
// about 300 bytes and 150 ns per request (see the package documentation).
func WithOutcomeContext() Option {
	return optionFunc(func(c *config) { c.outcomeContext = true })
}
