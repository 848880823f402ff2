// Package sharedstatus is the one status computation of a tracker that
// every reader in the process shares: the endpoint and the OpenTelemetry
// export read it through For, so that a scrape and a GET in the same
// instant compute the status once, and the endpoint can say what the
// export lost to the SDK's cardinality limit.
package sharedstatus

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/statuscache"
	"github.com/errbudget/errbudget/internal/wiring"
)

// Snapshot is one status computation and what its readers derive from the
// same instant. It is shared: nobody writes to it after it is made.
type Snapshot struct {
	Now      time.Time
	Statuses []budget.Status
	// Counted is each series' count of this process (Series.Counted), for
	// the export's slo.events.
	Counted []Counted
}

// Counted is one series' count of this process's lifetime.
type Counted struct {
	Objective, Group string
	Grouped          bool
	Good, Bad        int64
}

// Shared is a tracker's shared computation. Its methods are safe for
// concurrent use.
type Shared struct {
	cache        *statuscache.Cache[*Snapshot]
	computations atomic.Int64
	counted      atomic.Int64 // series the last computation counted

	mu     sync.Mutex
	export *ExportReport // the open OpenTelemetry registration's, if any
}

// ExportReport is how an open OpenTelemetry export reports what it lost.
type ExportReport struct {
	Overflow func() (limit int, streams map[string]int)
}

// For returns tr's shared computation, made on first use and kept by tr.
func For(tr *budget.Tracker) *Shared {
	return wiring.Shared(tr, func() any {
		s := &Shared{}
		s.cache = statuscache.New(tr.Now, statuscache.DefaultInterval,
			func(now time.Time) *Snapshot { return s.compute(tr, now) })
		return s
	}).(*Shared)
}

// Get returns the snapshot computed within interval (the default when
// interval ≤ 0) of the tracker's clock, computing one if there is none.
// It carries no burn-downs: the dashboard draws the few it shows
// (budget.Tracker.BurnDownOf), so that no other reader pays for them.
func (s *Shared) Get(interval time.Duration) *Snapshot {
	v, _ := s.cache.GetWithin(interval, nil)
	return v
}

// Computations returns how many snapshots were computed: for tests that
// check that readers share them.
func (s *Shared) Computations() int64 { return s.computations.Load() }

func (s *Shared) compute(tr *budget.Tracker, now time.Time) *Snapshot {
	s.computations.Add(1)
	x := &Snapshot{Now: now, Statuses: tr.StatusAt(now)}
	// As many as the last computation's: a tracker's series only grow.
	x.Counted = make([]Counted, 0, s.counted.Load())
	for _, slo := range tr.SLOs() {
		for _, ser := range slo.AllSeries() {
			good, bad := ser.Counted()
			o := ser.Objective()
			x.Counted = append(x.Counted, Counted{o.Name, ser.Group(), o.GroupBy != "", good, bad})
		}
	}
	s.counted.Store(int64(len(x.Counted)))
	return x
}

// SetExport records r as the tracker's open export; it replaces any
// earlier one.
func (s *Shared) SetExport(r *ExportReport) {
	s.mu.Lock()
	s.export = r
	s.mu.Unlock()
}

// ClearExport forgets r if it is still the tracker's open export.
func (s *Shared) ClearExport(r *ExportReport) {
	s.mu.Lock()
	if s.export == r {
		s.export = nil
	}
	s.mu.Unlock()
}

// Export returns the open export's report, or nil.
func (s *Shared) Export() *ExportReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.export
}
