package httpslo

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// The route table.
//
// Each route a request can count under resolves once to a budget.Set: the
// series of every objective the route counts toward, in the route's group
// for objectives grouped by route. The table maps route to set; it is copied
// on write, so a lookup is one map read with no lock, and grows under a
// mutex when a route is first seen.
//
// The table is bounded, because a route function may return anything (a raw
// path, on a bad day): beyond maxRoutes routes, and for any route longer
// than MaxRouteLen, requests count under one overflow route whose group is
// sli.OverflowGroup. Once the table is full, a miss costs one map read and
// one atomic load, no lock and no allocation. Routes named in
// WithRouteObjectives and the unmatched route "" are kept apart from the cap:
// they are known and few.

// DefaultMaxRoutes is the number of distinct routes a Middleware keeps when
// WithMaxRoutes is not given.
const DefaultMaxRoutes = 1000

// MaxRouteLen is the longest route kept; longer ones count as the overflow
// route. Route templates are short; a long "route" is a raw path or worse.
// It is sli.MaxGroupLen, the cap on every group value from outside.
const MaxRouteLen = sli.MaxGroupLen

// objective is one objective a route may count toward, resolved at New.
type objective struct {
	slo     *budget.SLO
	byRoute bool // GroupBy == sli.GroupByRoute: the route is the group value
}

type routes struct {
	def       []objective            // the default objectives
	perRoute  map[string][]objective // WithRouteObjectives, read-only
	unmatched string                 // group value of route ""
	max       int

	table    atomic.Pointer[map[string]budget.Set]
	full     atomic.Bool
	overflow atomic.Pointer[budget.Set]
	mu       sync.Mutex // serialises growth
	dynamic  int        // routes counted toward max, under mu
}

func (rs *routes) init() {
	m := map[string]budget.Set{}
	rs.table.Store(&m)
}

// lookup returns the set that requests of route count toward.
func (rs *routes) lookup(route string) budget.Set {
	if set, ok := (*rs.table.Load())[route]; ok {
		return set
	}
	return rs.miss(route)
}

func (rs *routes) miss(route string) budget.Set {
	objs, known := rs.perRoute[route]
	if !known && route != "" && (rs.full.Load() || len(route) > MaxRouteLen) {
		return rs.overflowSet()
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	cur := *rs.table.Load()
	if set, ok := cur[route]; ok {
		return set
	}
	switch {
	case known:
	case route == "":
		objs = rs.def
	case rs.dynamic >= rs.max:
		rs.full.Store(true)
		return rs.overflowLocked()
	default:
		objs = rs.def
		rs.dynamic++
	}
	// A route function may return a slice of a larger buffer: keep only the
	// route's own bytes.
	route = strings.Clone(route)
	group := route
	if route == "" {
		group = rs.unmatched
	}
	set := resolve(objs, group)
	next := maps.Clone(cur)
	next[route] = set
	rs.table.Store(&next)
	return set
}

func (rs *routes) overflowSet() budget.Set {
	if p := rs.overflow.Load(); p != nil {
		return *p
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.overflowLocked()
}

func (rs *routes) overflowLocked() budget.Set {
	if p := rs.overflow.Load(); p != nil {
		return *p
	}
	set := resolve(rs.def, sli.OverflowGroup)
	rs.overflow.Store(&set)
	return set
}

// resolve returns the series of objs for a route whose group value is group.
func resolve(objs []objective, group string) budget.Set {
	set := make(budget.Set, len(objs))
	for i, o := range objs {
		if o.byRoute {
			set[i] = o.slo.Series(group)
		} else {
			set[i] = o.slo.Series("")
		}
	}
	return set
}
