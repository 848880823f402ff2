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

var policyNames = []string{"healthy", "at_risk", "exhausted"}

// String returns "healthy", "at_risk" or "exhausted".
func (s PolicyState) String() string { return enumString(policyNames, uint8(s), "PolicyState") }

// MarshalText implements encoding.TextMarshaler.
func (s PolicyState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *PolicyState) UnmarshalText(b []byte) error {
	return enumParse(policyNames, b, "policy state", (*uint8)(s))
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

// PolicyReason says why a policy state holds, as Policy.Explain gives it.
type PolicyReason uint8

const (
	ReasonInsufficientEvents PolicyReason = iota + 1 // healthy: too few events in the period to judge
	ReasonBudgetExhausted                            // exhausted: nothing remains
	ReasonBudgetLow                                  // at risk: at most AtRiskBelow remains
	ReasonPageAlert                                  // at risk: a page alert fires
	ReasonBudgetAvailable                            // healthy: budget to spare
)

var reasonNames = []string{
	ReasonInsufficientEvents: "insufficient_events",
	ReasonBudgetExhausted:    "budget_exhausted",
	ReasonBudgetLow:          "budget_low",
	ReasonPageAlert:          "page_alert",
	ReasonBudgetAvailable:    "budget_available",
}

// String returns the name the endpoint writes: "insufficient_events",
// "budget_exhausted", "budget_low", "page_alert" or "budget_available".
func (r PolicyReason) String() string { return enumString(reasonNames, uint8(r), "PolicyReason") }

// MarshalText implements encoding.TextMarshaler.
func (r PolicyReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *PolicyReason) UnmarshalText(b []byte) error {
	return enumParse(reasonNames, b, "policy reason", (*uint8)(r))
}

// enumString names v, an enumeration's value, from names.
func enumString(names []string, v uint8, typ string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, v)
}

// enumParse sets *v to the value names gives the name b.
func enumParse(names []string, b []byte, what string, v *uint8) error {
	for i, n := range names {
		if n != "" && n == string(b) {
			*v = uint8(i)
			return nil
		}
	}
	return fmt.Errorf("budget: unknown %s %q", what, b)
}

// Explain applies the policy to the period's events, the remaining budget
// and whether a page alert fires: the state, and the reason for it (one of
// the Reason constants). A budget overspent in its first few events stays
// healthy, and says why.
func (p Policy) Explain(events int64, remaining Float, paging bool) (PolicyState, PolicyReason) {
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
