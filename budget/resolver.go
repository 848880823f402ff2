package budget

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/errbudget/errbudget/sli"
)

// cow is a map read without a lock and written, under mu, by copying it:
// the one bounded table behind an objective's groups and a Resolver's keys.
type cow[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex // serialises writers, and whatever the owner guards with it
}

// load returns the map: nil before the first put.
func (c *cow[K, V]) load() map[K]V {
	if p := c.m.Load(); p != nil {
		return *p
	}
	return nil
}

func (c *cow[K, V]) get(k K) (V, bool) {
	v, ok := c.load()[k]
	return v, ok
}

// putLocked is called with mu held.
func (c *cow[K, V]) putLocked(k K, v V) {
	next := make(map[K]V, len(c.load())+1)
	maps.Copy(next, c.load())
	next[k] = v
	c.m.Store(&next)
}

// A Key is what a Resolver maps: the label values of one call, one per label
// the resolver fills, in the order its labels were given (a route; a
// provider, operation and model).
type Key[K any] interface {
	comparable
	// Label returns the group value of the i-th label.
	Label(i int) string
	// WithLabel returns the key with the i-th label's value replaced.
	WithLabel(i int, value string) K
}

// Resolver maps the label values of a call (its Key) to what the call
// records into: the Set of the series of some of a tracker's objectives,
// each in its group for the objectives grouped by one of the labels, and
// whatever the adapter builds from that set once. It is how every adapter
// (httpslo, grpcslo, inferenceslo) turns a route, a method or a model into
// series, and how an application's own adapter does.
//
// Group values come from outside (a raw path, a model a request named), so
// what is kept is bounded, by one rule:
//
//   - A grouped objective keeps at most MaxGroups group values
//     (sli.DefaultMaxGroups, 50, when zero); each later value counts in its
//     sli.OverflowGroup ("_OTHER") group.
//   - A value longer than sli.MaxGroupLen (256) bytes counts in "_OTHER".
//   - A Resolver keeps at most as many keys as the largest MaxGroups of its
//     grouped objectives, and at least sli.DefaultMaxGroups; each later key
//     counts in "_OTHER" for every label. For one label (a route, a method)
//     this is the objectives' own cap, not a second one.
//   - The first value an objective sends to "_OTHER" is logged once, at
//     Warn, with the objective, its label, the cap and the value (through
//     WithLogger's logger, else slog.Default); Status.Overflow counts the
//     events counted there.
//
// A key seen before costs one map read: no lock, no allocation. The first
// sight of a key resolves it under a lock.
//
// A Resolver is safe for concurrent use. It has no zero value: use
// NewResolver.
type Resolver[K Key[K], V any] struct {
	slos   []*SLO
	by     []int // per objective, the index of the label it groups by; -1 if none
	labels []string
	max    int
	build  func(K, Set) V
	keys   cow[K, V]
	full   atomic.Pointer[V] // the overflow entry, once max keys are kept
	other  K                 // every label "_OTHER"
	n      int               // keys kept other than other, under keys.mu
}

// NewResolver returns a resolver over the objectives of t named in
// objectives (nil: every objective), for an adapter that fills the group
// values of labels. build makes what the adapter keeps per key from the key
// (values past a cap replaced by "_OTHER") and its Set, once per key kept.
//
// It reports every problem, one error each (so that the adapter can say
// where each came from): no names at all, a name the tracker does not have,
// a name given twice, an objective grouped by a label the adapter does not
// fill. The resolver covers the objectives without problems either way.
func NewResolver[K Key[K], V any](t *Tracker, objectives []string, labels []string, build func(K, Set) V) (*Resolver[K, V], []error) {
	r := &Resolver[K, V]{labels: slices.Clone(labels), max: sli.DefaultMaxGroups, build: build}
	var slos []*SLO
	var errs []error
	if objectives == nil {
		slos = t.SLOs()
	} else {
		if len(objectives) == 0 {
			errs = append(errs, errors.New("no objectives"))
		}
		seen := make(map[string]bool, len(objectives))
		for _, n := range objectives {
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
	for _, s := range slos {
		by := -1
		if g := s.decl.GroupBy; g != "" {
			if by = slices.Index(labels, g); by < 0 {
				errs = append(errs, fmt.Errorf("objective %q groups by %q; this adapter fills %q only", s.decl.Name, g, labels))
				continue
			}
			r.max = max(r.max, s.max)
		}
		r.slos = append(r.slos, s)
		r.by = append(r.by, by)
	}
	for i := range labels {
		r.other = r.other.WithLabel(i, sli.OverflowGroup)
	}
	return r, errs
}

// Get returns what calls of key k record into, resolving it on first sight.
func (r *Resolver[K, V]) Get(k K) V {
	if v, ok := r.keys.get(k); ok {
		return v
	}
	return r.miss(k)
}

// Overflow returns the entry of the key whose every label is "_OTHER": what
// calls the adapter cannot name (a gRPC method no service registered) record
// into.
func (r *Resolver[K, V]) Overflow() V { return r.Get(r.other) }

func (r *Resolver[K, V]) miss(k K) V {
	if c, long := r.clip(k); long {
		if v, ok := r.keys.get(c); ok {
			return v
		}
		k = c
	}
	if p := r.full.Load(); p != nil {
		return *p
	}
	return r.add(k)
}

// clip replaces the values longer than sli.MaxGroupLen by "_OTHER".
func (r *Resolver[K, V]) clip(k K) (K, bool) {
	long := false
	for i := range r.labels {
		if v := k.Label(i); len(v) > sli.MaxGroupLen {
			r.overflowed(i, v, "max_value_len", sli.MaxGroupLen)
			k, long = k.WithLabel(i, sli.OverflowGroup), true
		}
	}
	return k, long
}

func (r *Resolver[K, V]) add(k K) V {
	r.keys.mu.Lock()
	defer r.keys.mu.Unlock()
	if v, ok := r.keys.get(k); ok {
		return v
	}
	if k != r.other && r.n >= r.max {
		// The cap: this key and every later one share the overflow key.
		for i, s := range r.slos {
			switch b := r.by[i]; {
			case b >= 0 && len(s.groups.load()) >= s.max: // the objective's own cap
				s.overflowed(k.Label(b), "max_groups", s.max)
			case b >= 0:
				s.overflowed(k.Label(b), "max_keys", r.max)
			}
		}
		o, ok := r.keys.get(r.other)
		if !ok {
			o = r.resolveLocked(r.other)
		}
		r.full.Store(&o)
		return o
	}
	// A key may be a slice of a larger buffer (a route function's result):
	// keep only the values' own bytes.
	for i := range r.labels {
		k = k.WithLabel(i, strings.Clone(k.Label(i)))
	}
	if k != r.other {
		r.n++
	}
	return r.resolveLocked(k)
}

func (r *Resolver[K, V]) resolveLocked(k K) V {
	set := make(Set, len(r.slos))
	for i, s := range r.slos {
		g := ""
		if b := r.by[i]; b >= 0 {
			g = k.Label(b)
		}
		set[i] = s.Series(g)
	}
	v := r.build(k, set)
	r.keys.putLocked(k, v)
	return v
}

// overflowed notes an overflow of the objectives grouped by label i.
func (r *Resolver[K, V]) overflowed(i int, value, what string, limit int) {
	for j, s := range r.slos {
		if r.by[j] == i {
			s.overflowed(value, what, limit)
		}
	}
}

// overflowed notes that value counts in the objective's "_OTHER" group, past
// the cap named what: the first time, it logs which objective and at what cap.
func (s *SLO) overflowed(value, what string, limit int) {
	if s.logged.Load() || !s.logged.CompareAndSwap(false, true) {
		return
	}
	if len(value) > 64 {
		value = value[:64] + "…"
	}
	s.tr.stateLogger().Warn("errbudget: objective's group values past its cap count in "+sli.OverflowGroup+"; later ones are counted in its status (overflow) without a log",
		"slo", s.decl.Name, "label", s.decl.GroupBy, what, limit, "value", value)
}

// overflow sets Status.Overflow on the statuses of one objective.
func overflow(sts []Status) {
	for i := range sts {
		if sts[i].Group == sli.OverflowGroup { // never an ungrouped objective's
			for j := range sts {
				sts[j].Overflow = sts[i].Total()
			}
			return
		}
	}
}
