package endpoint

import (
	"slices"
	"strconv"

	"github.com/errbudget/errbudget/budget"
)

// A grouped objective with many groups (a route, a model) would bury the
// page under its cards. Its groups fold into one summary, worst first,
// that opens to the cards in the same order: a <details> element, so it
// works without JavaScript, under the page's Content-Security-Policy. The
// JSON keeps every group as it is.

// groupFold is the summary of a grouped objective's cards, carried by the
// first of them.
type groupFold struct {
	ID, Name, Label            string
	Groups                     string // how many, formatted
	Exhausted, AtRisk, Healthy int
	Worst                      []foldRow // the worst few, worst first
	Class                      string    // the worst card's RemClass
	Overall                    *foldRow  // a grouped time-slice objective's overall entry (dashboard_slices.go)
}

// foldRow is one group in a summary.
type foldRow struct {
	Value, Remaining, Policy, Class string
}

// foldShown is how many of the worst groups a summary names.
const foldShown = 3

// foldGroups reorders the cards of every objective with two groups or more
// worst first and marks where each fold opens and closes. cards[i] is the
// card of sts[i].
func foldGroups(cards []card, sts []budget.Status) []card {
	out := make([]card, 0, len(cards))
	for i := 0; i < len(cards); {
		j := i + 1
		for j < len(cards) && sts[i].Objective.GroupBy != "" && sts[j].Objective.Name == sts[i].Objective.Name {
			j++
		}
		if j-i < 2 {
			out = append(out, cards[i:j]...)
			i = j
			continue
		}
		order := make([]int, 0, j-i)
		g := i // the first group: after the overall entry, which stays first
		if sts[i].Overall {
			g++
		}
		for k := g; k < j; k++ {
			order = append(order, k)
		}
		slices.SortStableFunc(order, func(a, b int) int { return worse(&sts[a], &sts[b]) })
		f := &groupFold{ID: "fold-" + strconv.Itoa(i), Name: sts[i].Objective.Name, Label: sts[i].Objective.GroupBy,
			Groups: formatCount(int64(j - g)), Class: cards[order[0]].RemClass}
		if g > i {
			f.Overall, f.Class = overallRow(&cards[i]), cards[i].RemClass
		}
		for n, k := range order {
			switch sts[k].PolicyState {
			case budget.Healthy:
				f.Healthy++
			case budget.AtRisk:
				f.AtRisk++
			default:
				f.Exhausted++
			}
			if n < foldShown {
				c := &cards[k]
				rem := c.Remaining
				if c.NoData {
					rem = "no data"
				}
				f.Worst = append(f.Worst, foldRow{Value: c.GroupValue, Remaining: rem, Policy: c.Policy, Class: c.RemClass})
			}
		}
		start := len(out)
		out = append(out, cards[i:g]...)
		for _, k := range order {
			out = append(out, cards[k])
		}
		out[start].Fold = f
		out[len(out)-1].FoldEnd = true
		i = j
	}
	return out
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
