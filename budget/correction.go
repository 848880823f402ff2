package budget

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Correction excludes a period from the budget of one objective, or of all:
// planned maintenance, a known incident upstream the team is not answerable
// for. Events that complete inside it are excluded.
type Correction struct {
	// Objective is the objective it applies to; empty means all.
	Objective string
	// Start and End bound the period [Start, End).
	Start, End time.Time
	// Reason is free text for people.
	Reason string
}

// correctionSet is the immutable list the recording path consults: nil
// until the first correction, so it costs one atomic load until then.
type correctionSet struct {
	spans []correctionSpan
}

type correctionSpan struct {
	objective  string
	start, end int64
}

func (c *correctionSet) covers(objective string, ns int64) bool {
	for i := range c.spans {
		sp := &c.spans[i]
		if ns >= sp.start && ns < sp.end && (sp.objective == "" || sp.objective == objective) {
			return true
		}
	}
	return false
}

// AddCorrection declares a correction. Events recorded afterwards that
// complete inside it are excluded exactly.
func (t *Tracker) AddCorrection(c Correction) error {
	var errs []error
	if !c.End.After(c.Start) {
		errs = append(errs, fmt.Errorf("budget: correction %q: end %v is not after start %v", c.Reason, c.End, c.Start))
	}
	if c.Objective != "" && t.byName[c.Objective] == nil {
		errs = append(errs, fmt.Errorf("budget: correction %q: no objective named %q", c.Reason, c.Objective))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	t.corrList = append(t.corrList, c)
	set := &correctionSet{}
	for _, x := range t.corrList {
		set.spans = append(set.spans, correctionSpan{x.Objective, x.Start.UnixNano(), x.End.UnixNano()})
	}
	t.corrections.Store(set)
	return nil
}

// Corrections returns the corrections declared, in order.
func (t *Tracker) Corrections() []Correction {
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	return slices.Clone(t.corrList)
}

// correctionsFor returns the corrections for objective that overlap
// [start, end].
func (t *Tracker) correctionsFor(objective string, start, end time.Time) []Correction {
	if t.corrections.Load() == nil {
		return []Correction{}
	}
	t.corrMu.Lock()
	defer t.corrMu.Unlock()
	out := []Correction{}
	for _, c := range t.corrList {
		if (c.Objective == "" || c.Objective == objective) && c.Start.Before(end) && !c.End.Before(start) {
			out = append(out, c)
		}
	}
	return out
}
