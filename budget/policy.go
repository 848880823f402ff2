package budget

import (
	"errors"
	"fmt"
	"math"
)

// PolicyState is where an objective stands under the error-budget policy.
// The zero value is Healthy.
type PolicyState uint8

const (
	// Healthy: budget to spare; ship as usual.
	Healthy PolicyState = iota
	// AtRisk: little budget left, or a page alert is firing; ship with care.
	AtRisk
	// Exhausted: the budget is spent; feature releases pause until it
	// recovers.
	Exhausted
)

var policyNames = [...]string{"healthy", "at_risk", "exhausted"}

// String returns "healthy", "at_risk" or "exhausted".
func (s PolicyState) String() string {
	if int(s) < len(policyNames) {
		return policyNames[s]
	}
	return fmt.Sprintf("PolicyState(%d)", uint8(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s PolicyState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *PolicyState) UnmarshalText(b []byte) error {
	for i, n := range policyNames {
		if n == string(b) {
			*s = PolicyState(i)
			return nil
		}
	}
	return fmt.Errorf("budget: unknown policy state %q", b)
}

// Policy is the error-budget policy: when an objective counts as at risk or
// exhausted. Zero fields mean the defaults.
type Policy struct {
	// AtRiskBelow is the remaining budget at or below which an objective is
	// AtRisk (DefaultAtRiskBelow when zero; negative to disable).
	AtRiskBelow float64
	// MinEvents is the fewest events in the period before the policy may
	// leave Healthy (DefaultPolicyMinEvents when zero).
	MinEvents int64
	// IgnorePages keeps a firing page alert from making an objective AtRisk.
	IgnorePages bool
}

// The policy's defaults.
const (
	DefaultAtRiskBelow     = 0.25
	DefaultPolicyMinEvents = 100
)

func (p Policy) atRiskBelow() float64 {
	if p.AtRiskBelow == 0 {
		return DefaultAtRiskBelow
	}
	return p.AtRiskBelow
}

func (p Policy) minEvents() int64 {
	if p.MinEvents == 0 {
		return DefaultPolicyMinEvents
	}
	return p.MinEvents
}

func (p Policy) validate() error {
	var errs []error
	if math.IsNaN(p.AtRiskBelow) || p.AtRiskBelow >= 1 {
		errs = append(errs, fmt.Errorf("budget: policy: at-risk threshold must be below 1, got %v", p.AtRiskBelow))
	}
	if p.MinEvents < 0 {
		errs = append(errs, fmt.Errorf("budget: policy: minimum events must not be negative, got %d", p.MinEvents))
	}
	return errors.Join(errs...)
}

// Why a policy state holds, as Policy.Explain gives it and the endpoint
// writes it.
const (
	ReasonInsufficientEvents = "insufficient_events" // healthy: too few events in the period to judge
	ReasonBudgetExhausted    = "budget_exhausted"    // exhausted: nothing remains
	ReasonBudgetLow          = "budget_low"          // at risk: at most AtRiskBelow remains
	ReasonPageAlert          = "page_alert"          // at risk: a page alert fires
	ReasonBudgetAvailable    = "budget_available"    // healthy: budget to spare
)

// Explain applies the policy to the period's events, the remaining budget
// and whether a page alert fires: the state, and the reason for it (one of
// the Reason constants). A budget overspent in its first few events stays
// healthy, and says why.
func (p Policy) Explain(events int64, remaining Float, paging bool) (PolicyState, string) {
	if events < p.minEvents() || !remaining.Valid {
		return Healthy, ReasonInsufficientEvents
	}
	const eps = 1e-9
	switch {
	case remaining.Value <= eps:
		return Exhausted, ReasonBudgetExhausted
	case remaining.Value <= p.atRiskBelow()+eps:
		return AtRisk, ReasonBudgetLow
	case paging && !p.IgnorePages:
		return AtRisk, ReasonPageAlert
	}
	return Healthy, ReasonBudgetAvailable
}
