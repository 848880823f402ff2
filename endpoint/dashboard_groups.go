package endpoint

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/errbudget/errbudget/budget"
)

// A grouped objective with many groups (a route, a model) would bury the
// page under its cards, and drawing 400 of them costs a hundred times a
// Prometheus scrape. On the dashboard its groups fold into one summary,
// worst first: a <details> element (no JavaScript, under the page's
// Content-Security-Policy) that opens to the worst few groups' cards and
// links to the objective's own page, which draws every group, worst first,
// a page of them at a time. Only the cards drawn get a burn-down
// (budget.Tracker.BurnDownOf). The JSON keeps every group as it is.

// groupFold is the summary of a grouped objective, carried by the first
// card drawn in it.
type groupFold struct {
	ID, Name, Label            string
	Groups                     string // how many, formatted
	Exhausted, AtRisk, Healthy int
	Worst                      []foldRow // the worst few, worst first
	Class                      string    // the worst group's RemClass, or the overall entry's
	Overall                    *foldRow  // a grouped time-slice objective's overall entry (dashboard_slices.go)
	Link                       string    // the objective's page, relative to the dashboard
	Hidden                     int       // groups not drawn here
}

// foldRow is one group in a summary.
type foldRow struct {
	Value, Remaining, Policy, Class string
}

// foldShown is how many of the worst groups a summary names and draws.
const foldShown = 3

// objectivePageSize is how many groups the objective's page draws at once.
const objectivePageSize = 50

// objectiveView is the heading of an objective's own page.
type objectiveView struct {
	Name, Label string // Label is empty for an ungrouped objective
	Groups      string // how many, formatted
	From, To    string // the groups on this page, counted from 1
	Back        string // the dashboard
	Prev, Next  string // the neighbouring pages, when there are
	Page, Pages int
}

// objectiveLink is the objective's page (a given page of it when page > 1),
// relative to the dashboard: a query alone keeps the path, ui or ui/.
func objectiveLink(name string, page int) string {
	l := "?objective=" + url.QueryEscape(name)
	if page > 1 {
		l += "&page=" + strconv.Itoa(page)
	}
	return l
}

// runs calls f with each objective's statuses, sts[i:j]: one run per
// objective (a grouped objective's groups are consecutive, in the order
// they appeared).
func runs(sts []budget.Status, f func(i, j int)) {
	for i := 0; i < len(sts); {
		j := i + 1
		for j < len(sts) && sts[j].Objective.Name == sts[i].Objective.Name {
			j++
		}
		f(i, j)
		i = j
	}
}

// worstFirst returns the indexes i to j−1 of sts, worst first (worse).
func worstFirst(sts []budget.Status, i, j int) []int {
	order := make([]int, 0, j-i)
	for k := i; k < j; k++ {
		order = append(order, k)
	}
	slices.SortStableFunc(order, func(a, b int) int { return worse(&sts[a], &sts[b]) })
	return order
}

// newFold summarises the groups sts[order...] of one objective, worst
// first, of which the first foldShown are drawn.
func newFold(sts []budget.Status, order []int) *groupFold {
	o := &sts[order[0]].Objective
	f := &groupFold{ID: "fold-" + strconv.Itoa(order[0]), Name: o.Name, Label: o.GroupBy,
		Groups: formatCount(int64(len(order))), Class: remainingClass(&sts[order[0]]),
		Link: objectiveLink(o.Name, 1), Hidden: max(0, len(order)-foldShown)}
	for n, k := range order {
		st := &sts[k]
		switch st.PolicyState {
		case budget.Healthy:
			f.Healthy++
		case budget.AtRisk:
			f.AtRisk++
		default:
			f.Exhausted++
		}
		if n < foldShown {
			rem := formatPercent(st.Remaining)
			if !st.SLI.Valid {
				rem = "no data"
			}
			f.Worst = append(f.Worst, foldRow{Value: st.Group, Remaining: rem, Policy: policyText(st.PolicyState), Class: remainingClass(st)})
		}
	}
	return f
}

// worse orders statuses worst first: exhausted, then at risk, then
// healthy; within a state, less budget remaining first; no data last.
func worse(a, b *budget.Status) int {
	rank := func(s *budget.Status) int {
		switch s.PolicyState {
		case budget.Exhausted:
			return 0
		case budget.AtRisk:
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	switch {
	case a.Remaining.Valid && !b.Remaining.Valid:
		return -1
	case !a.Remaining.Valid && b.Remaining.Valid:
		return 1
	case a.Remaining.Valid && a.Remaining.Value < b.Remaining.Value:
		return -1
	case a.Remaining.Valid && a.Remaining.Value > b.Remaining.Value:
		return 1
	}
	return 0
}
