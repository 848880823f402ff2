package budget

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// SLO is the live state of one declared objective: one Series, or one per
// group value of a grouped objective.
type SLO struct {
	tr     *Tracker
	decl   sli.Objective
	loc    *time.Location
	single *Series // ungrouped

	groups   atomic.Pointer[map[string]*Series] // copy on write
	full     atomic.Pointer[Series]             // the overflow series, once the cap is reached
	mu       sync.Mutex                         // serialises group creation
	order    []*Series                          // in creation order, under mu
	overflow *Series
	max      int
	horizon  time.Duration // how far back its windows and rules reach (horizon)

	corr atomic.Pointer[corrEdges] // nil while no correction applies (correction_set.go)
}

// horizon is how far back any window of an objective of window w reaches:
// its period, the standard windows every status reports and the alert
// rules' windows. An event is kept, and the ring sized to hold it, while
// one of them still covers it, though the period may be shorter (a
// Rolling(4h) objective still reports, and alerts on, its 3d window).
func horizon(w sli.Window, rules []AlertRule) time.Duration {
	d := w.MaxLength()
	for _, sw := range StandardWindows {
		d = max(d, sw.Duration)
	}
	for _, r := range rules {
		d = max(d, r.LongWindow, r.ShortWindow)
	}
	return d
}

// Objective returns the declaration.
func (s *SLO) Objective() sli.Objective { return s.decl }

// Series returns the series for a group value, creating it while the
// objective has fewer than MaxGroups groups; later values, and values longer
// than sli.MaxGroupLen, share the sli.OverflowGroup series. For an ungrouped
// objective it returns the one series whatever the value. Looking up a known
// value takes no lock and allocates nothing.
func (s *SLO) Series(group string) *Series {
	if s.single != nil {
		return s.single
	}
	if len(group) > sli.MaxGroupLen {
		group = sli.OverflowGroup
	}
	if x, ok := (*s.groups.Load())[group]; ok {
		return x
	}
	// Once the cap is reached, values from the outside cost no lock.
	if o := s.full.Load(); o != nil {
		return o
	}
	return s.create(group)
}

func (s *SLO) create(group string) *Series {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := *s.groups.Load()
	if x, ok := cur[group]; ok {
		return x
	}
	if group == sli.OverflowGroup || len(cur) >= s.max {
		if s.overflow == nil {
			s.overflow = newSeries(s.tr, s, sli.OverflowGroup)
			s.order = append(s.order, s.overflow)
		}
		if len(cur) >= s.max {
			s.full.Store(s.overflow)
		}
		return s.overflow
	}
	x := newSeries(s.tr, s, group)
	next := make(map[string]*Series, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[group] = x
	s.groups.Store(&next)
	s.order = append(s.order, x)
	return x
}

// AllSeries returns the objective's series in creation order (the overflow
// series among them once used).
func (s *SLO) AllSeries() []*Series {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Series(nil), s.order...)
}

// Set is the series one call counts toward, recorded together. A nil or
// empty Set records nothing.
type Set []*Series

// Record records e into every series of the set.
func (set Set) Record(e sli.Event) {
	if len(set) == 0 {
		return
	}
	for _, s := range set {
		if s != nil {
			s.record(&e, 1)
		}
	}
}

// Resolve returns the live objectives an adapter records into, in the order
// named; every objective when names is nil. An adapter fills the group
// values of the labels it names (httpslo the route, inferenceslo the
// model…), so an objective grouped by any other label is a wiring error.
// It reports every problem, one error each (so that the adapter can say
// where each came from): no names at all, a name the tracker does not have,
// a name given twice, an objective grouped by a label the adapter does not
// fill. The objectives without problems are returned either way.
func (t *Tracker) Resolve(names []string, labels ...string) ([]*SLO, []error) {
	var slos []*SLO
	var errs []error
	if names == nil {
		slos = t.SLOs()
	} else {
		if len(names) == 0 {
			errs = append(errs, errors.New("no objectives"))
		}
		seen := make(map[string]bool, len(names))
		for _, n := range names {
			switch s := t.byName[n]; {
			case s == nil:
				errs = append(errs, fmt.Errorf("no objective named %q", n))
			case seen[n]:
				errs = append(errs, fmt.Errorf("objective %q is named more than once", n))
			default:
				slos = append(slos, s)
			}
			seen[n] = true
		}
	}
	out := slos[:0]
	for _, s := range slos {
		if g := s.decl.GroupBy; g != "" && !slices.Contains(labels, g) {
			errs = append(errs, fmt.Errorf("objective %q groups by %q; this adapter fills %s only", s.decl.Name, g, quoteAll(labels)))
			continue
		}
		out = append(out, s)
	}
	return out, errs
}

func quoteAll(labels []string) string {
	if len(labels) == 0 {
		return "no group label"
	}
	q := make([]string, len(labels))
	for i, l := range labels {
		q[i] = strconv.Quote(l)
	}
	return strings.Join(q, ", ")
}
