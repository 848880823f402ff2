package httpslo

import "github.com/errbudget/errbudget/budget"

// The route table: each route resolves once, through a budget.Resolver (and
// its one bounding rule), to the budget.Set of every objective it counts
// toward; a route seen before costs one map read, no lock, no allocation.

// route is a route as a budget.Key: its one label is sli.GroupByRoute.
type route string

func (r route) Label(int) string                { return string(r) }
func (r route) WithLabel(_ int, v string) route { return route(v) }

type resolver = budget.Resolver[route, budget.Set]

type routes struct {
	def       *resolver
	perRoute  map[string]*resolver // WithRouteObjectives, read-only
	unmatched string               // group value of route ""
}

// lookup returns the set that requests of r count toward.
func (rs *routes) lookup(r string) budget.Set {
	res := rs.def
	if rs.perRoute != nil {
		if x, ok := rs.perRoute[r]; ok {
			res = x
		}
	}
	if r == "" {
		r = rs.unmatched
	}
	return res.Get(route(r))
}
