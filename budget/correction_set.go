package budget

import (
	"slices"
	"sync/atomic"
	"time"
)

// What the recording path consults.
//
// Each event that is not excluded already is checked against the declared
// corrections. Scanning them, or the occurrences of their rules, per event
// made Record's cost grow with their number (34 µs per event with a rule
// every minute, 6 µs with 10,000 one-off corrections). Instead, the tracker
// lists for each objective, around the instant it was built, where
// corrections begin and end: their occurrences within [at − edgesBack,
// at + edgesAhead), clipped, sorted and merged into disjoint intervals, as a
// sorted slice of edges. An instant is covered when it lies in an odd gap
// between two edges.
//
// Events arrive at the current time, so successive lookups land in the same
// gap or the next: the list remembers the gap the last search found (hint),
// and a lookup checks that gap and its two neighbours before it searches.
// The common case is an atomic load and two comparisons; it takes no lock
// and allocates nothing, whatever the number of corrections. The hint is
// written only when a search was needed, so events alternating between two
// neighbouring gaps write nothing.
//
// An event outside the listed span (a late event more than edgesBack old,
// or one recorded before the next rebuild after a clock jump) is checked
// against every correction under the corrections' mutex: exact, and rare.
//
// The list is rebuilt around the tracker's clock when the clock moves
// edgesRebuild from where it was built (at a bucket rotation, a status or a
// snapshot), and on RemoveCorrection and restore; AddCorrection merges the
// new correction's occurrences into the lists it touches, so declaring one
// costs the same with 10,000 declared as with 10. A rebuild also prunes
// one-off corrections whose end has left every window (retention).
const (
	edgesBack    = 7 * time.Hour
	edgesAhead   = 2 * time.Hour
	edgesRebuild = time.Hour
)

// correctionSet records where the recording path's edge lists were built:
// nil until the first correction is declared.
type correctionSet struct {
	at, from, until int64
}

// stale reports whether the lists should be rebuilt for the instant now.
func (c *correctionSet) stale(now int64) bool {
	return now > c.at+int64(edgesRebuild) || now < c.at-int64(edgesRebuild)
}

// corrEdges lists where the corrections that apply to one objective begin
// and end within [edges[0], edges[len−1]): edges[0] and the last edge are the
// bounds of the span listed, and the gap [edges[k], edges[k+1]) is covered
// when k is odd. It is immutable but for the hint.
type corrEdges struct {
	edges     []int64
	hint      atomic.Int64 // a gap k that a search found
	tr        *Tracker
	objective string
}

// covers reports whether a correction covers the instant ns.
func (c *corrEdges) covers(ns int64) bool {
	e := c.edges
	if k := int(c.hint.Load()); uint(k) < uint(len(e)-1) && e[k] <= ns && ns < e[k+1] {
		return k&1 == 1
	}
	return c.search(ns)
}

func (c *corrEdges) search(ns int64) bool {
	e := c.edges
	if ns < e[0] || ns >= e[len(e)-1] {
		return c.tr.coversOutside(c.objective, ns)
	}
	k := int(c.hint.Load())
	if j := k + 1; uint(j) < uint(len(e)-1) && e[j] <= ns && ns < e[j+1] {
		return j&1 == 1
	}
	if j := k - 1; uint(j) < uint(len(e)-1) && e[j] <= ns && ns < e[j+1] {
		return j&1 == 1
	}
	// The last gap that starts at or before ns: edges may repeat where an
	// interval starts at the span's first instant, leaving an empty gap.
	j, _ := slices.BinarySearch(e, ns+1)
	j--
	c.hint.Store(int64(j))
	return j&1 == 1
}

// coversOutside checks ns against every correction for objective: for
// instants outside the span the edge lists hold.
func (t *Tracker) coversOutside(objective string, ns int64) bool {
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	for _, x := range t.compiledLocked() {
		if x.Objective != "" && x.Objective != objective {
			continue
		}
		if x.rec != nil {
			if x.rec.Covers(ns) {
				return true
			}
		} else if x.Start.UnixNano() <= ns && ns < x.End.UnixNano() {
			return true
		}
	}
	return false
}

// spans calls fn with each occurrence of x that overlaps [from, until),
// clipped to it.
func (x *compiled) spans(from, until int64, fn func(start, end int64)) {
	if x.rec == nil {
		if s, e := x.Start.UnixNano(), x.End.UnixNano(); s < until && e > from {
			fn(max(s, from), min(e, until))
		}
		return
	}
	x.rec.Each(from, until, func(s int64) bool {
		fn(max(s, from), min(satAdd(s, x.rec.Duration()), until))
		return true
	})
}

// edgesOf merges intervals (clipped to [from, until)) into an edge list.
func edgesOf(from, until int64, ivs [][2]int64) []int64 {
	slices.SortFunc(ivs, func(a, b [2]int64) int { return cmpInt64(a[0], b[0]) })
	e := make([]int64, 0, 2*len(ivs)+2)
	e = append(e, from)
	for _, iv := range ivs {
		if n := len(e); n > 1 && iv[0] <= e[n-1] {
			e[n-1] = max(e[n-1], iv[1]) // overlaps or touches the last interval
			continue
		}
		e = append(e, iv[0], iv[1])
	}
	return append(e, until)
}

// intervals returns the covered intervals of an edge list.
func (c *corrEdges) intervals() [][2]int64 {
	var ivs [][2]int64
	for k := 1; k+1 < len(c.edges); k += 2 {
		ivs = append(ivs, [2]int64{c.edges[k], c.edges[k+1]})
	}
	return ivs
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// retention is how long after its end a one-off correction can still
// matter: the furthest any objective's windows and alert rules reach back
// (SLO.horizon), and the minute an event may claim to lie ahead of the
// clock.
func (t *Tracker) retention() time.Duration {
	var d time.Duration
	for _, s := range t.slos {
		d = max(d, s.horizon)
	}
	return d + maxAhead
}

// rebuildLocked prunes the one-off corrections that have left every window
// and publishes the edge lists for t.corrList around now. t.corrMu is held.
func (t *Tracker) rebuildLocked(now time.Time) {
	if len(t.corrList) > 0 {
		gone := now.Add(-t.retention()).UnixNano()
		t.deleteCorrLocked(func(x compiled) bool { return x.rec == nil && x.End.UnixNano() <= gone })
	}
	if len(t.corrList) == 0 {
		for _, slo := range t.slos {
			slo.corr.Store(nil)
		}
		t.corrections.Store(nil)
		return
	}
	set := &correctionSet{at: now.UnixNano(), from: now.Add(-edgesBack).UnixNano(), until: now.Add(edgesAhead).UnixNano()}
	var all [][2]int64 // the intervals of corrections for every objective
	own := map[string][][2]int64{}
	applies := map[string]bool{} // "" for every objective
	for _, x := range t.compiledLocked() {
		applies[x.Objective] = true
		x.spans(set.from, set.until, func(s, e int64) {
			if x.Objective == "" {
				all = append(all, [2]int64{s, e})
			} else {
				own[x.Objective] = append(own[x.Objective], [2]int64{s, e})
			}
		})
	}
	for _, slo := range t.slos {
		if !applies[""] && !applies[slo.decl.Name] {
			slo.corr.Store(nil) // its events need no check at all
			continue
		}
		ivs := append(slices.Clip(all), own[slo.decl.Name]...)
		slo.corr.Store(&corrEdges{edges: edgesOf(set.from, set.until, ivs), tr: t, objective: slo.decl.Name})
	}
	t.corrections.Store(set)
}

// publishAddedLocked makes the recording path see x, just declared: the
// lists of the objectives it applies to gain its occurrences. t.corrMu is
// held.
func (t *Tracker) publishAddedLocked(x compiled, now time.Time) {
	set := t.corrections.Load()
	if set == nil || set.stale(now.UnixNano()) {
		t.rebuildLocked(now)
		return
	}
	var ivs [][2]int64
	x.spans(set.from, set.until, func(s, e int64) { ivs = append(ivs, [2]int64{s, e}) })
	for _, slo := range t.slos {
		if x.Objective != "" && x.Objective != slo.decl.Name {
			continue
		}
		old := slo.corr.Load()
		if old != nil && len(ivs) == 0 {
			continue // outside the span listed: coversOutside finds it
		}
		n := &corrEdges{tr: t, objective: slo.decl.Name}
		if old != nil {
			n.edges = edgesOf(set.from, set.until, append(old.intervals(), ivs...))
			n.hint.Store(old.hint.Load())
		} else {
			n.edges = edgesOf(set.from, set.until, slices.Clone(ivs))
		}
		slo.corr.Store(n)
	}
}

// refreshCorrections rebuilds the recording path's lists when now has moved
// edgesRebuild from where they were built.
func (t *Tracker) refreshCorrections(now time.Time) {
	if c := t.corrections.Load(); c == nil || !c.stale(now.UnixNano()) {
		return
	}
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	if c := t.corrections.Load(); c != nil && c.stale(now.UnixNano()) {
		t.rebuildLocked(now)
	}
}
