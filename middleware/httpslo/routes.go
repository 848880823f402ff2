package httpslo

import (
	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// The route table: each route resolves once, through a budget.Resolver, to
// the budget.Set of every objective it counts toward, in the route's group
// for the objectives grouped by route. A route seen before costs one map
// read, no lock and no allocation. What it keeps is bounded by the rule every
// adapter shares (budget.Resolver): an objective's MaxGroups, sli.MaxGroupLen,
// and the overflow group sli.OverflowGroup.

// route is a route as a budget.Key: its one label is sli.GroupByRoute.
type route string

func (r route) Label(int) string                { return string(r) }
func (r route) WithLabel(_ int, v string) route { return route(v) }

type resolver = budget.Resolver[route, budget.Set]

func newResolver(tr *budget.Tracker, names []string) (*resolver, []error) {
	return budget.NewResolver(tr, names, []string{sli.GroupByRoute}, func(_ route, s budget.Set) budget.Set { return s })
}

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
