package openslo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// APIVersion is the only OpenSLO version this package writes and reads.
const APIVersion = "openslo/v1"

// AnnotationPrefix is the prefix of the annotations errbudget writes on
// AlertPolicy, AlertCondition and Service objects, for what OpenSLO has no
// field for. (OpenSLO reserves "openslo.com/".)
const AnnotationPrefix = "errbudget.dev/"

// SourceType is the metricSource type of every indicator errbudget writes.
// Its spec holds the PromQL query over the exported counter (query) and the
// fields OpenSLO has no home for (kind, threshold, minScore,
// includeFailures, advisory, groupBy, maxGroups, objective).
const SourceType = "errbudget"

// The annotation keys, each under AnnotationPrefix.
const (
	// AnnotationName holds an original name that is not an RFC 1123 label
	// (on Service and AlertPolicy objects).
	AnnotationName = AnnotationPrefix + "name"
	// AnnotationShortWindow is an alert rule's short window (Go duration).
	AnnotationShortWindow = AnnotationPrefix + "short-window"
	// AnnotationMinLongEvents and AnnotationMinShortEvents are an alert
	// rule's low-traffic guard, written when the rule sets them.
	AnnotationMinLongEvents  = AnnotationPrefix + "min-long-events"
	AnnotationMinShortEvents = AnnotationPrefix + "min-short-events"
	// AnnotationBudgetConsumed is the fraction of the period's budget a rule
	// guards, written when the rule's threshold derives from it; the
	// condition's threshold is then the one for AnnotationThresholdPeriod.
	AnnotationBudgetConsumed = AnnotationPrefix + "budget-consumed"
	// AnnotationThresholdPeriod is the period (Go duration) the condition's
	// threshold was computed for.
	AnnotationThresholdPeriod = AnnotationPrefix + "threshold-period"
	// AnnotationAlertRules, "none" on the Service, says the tracker runs no
	// alert rules at all (a file without AlertPolicy objects otherwise
	// leaves the tracker's defaults in force).
	AnnotationAlertRules = AnnotationPrefix + "alert-rules"
)

// Declarations are what an OpenSLO file says that errbudget runs: the
// service name, the objectives, and the tracker's alert rules. The zero value
// declares nothing.
//
// Build a tracker from them with
//
//	tr, err := budget.New(d.Objectives, d.Options()...)
type Declarations struct {
	// Service is the service name (budget.WithService); spec.service of
	// every SLO.
	Service string
	// Objectives in the file's order.
	Objectives []sli.Objective
	// AlertRules are the tracker's alert rules, applied to every objective.
	// Nil means the file declares none, and the tracker's defaults
	// (budget.DefaultAlertRules) apply; empty and not nil means no alert
	// rules at all.
	AlertRules []budget.AlertRule
}

// FromTracker returns the declarations tr runs: its service name, its
// objectives and the alert rules in force.
func FromTracker(tr *budget.Tracker) Declarations {
	rules := tr.AlertRules()
	if rules == nil {
		rules = []budget.AlertRule{} // a tracker's rules are explicit: none means none
	}
	return Declarations{Service: tr.Service(), Objectives: tr.Objectives(), AlertRules: rules}
}

// Options returns the tracker options the declarations imply: WithService
// when the service is named, WithAlertRules when rules are declared. Add the
// application's own (a clock, a store, a logger) after them.
func (d Declarations) Options() []budget.Option {
	var opts []budget.Option
	if d.Service != "" {
		opts = append(opts, budget.WithService(d.Service))
	}
	if d.AlertRules != nil {
		opts = append(opts, budget.WithAlertRules(d.AlertRules))
	}
	return opts
}

// Report is what writing had to change or leave out: names mapped to RFC
// 1123 labels, and what OpenSLO cannot express (Go functions). Nothing in it
// is an error; the file is valid either way, but a tracker built from it
// behaves differently where NotPortable says so.
type Report struct {
	Renamed     []Rename
	NotPortable []NotPortable
	// Truncated names the objectives whose description was cut to
	// OpenSLO's 1050 characters.
	Truncated []string
}

// Rename is one name mapped to an RFC 1123 label (Name).
type Rename struct {
	// Kind is the OpenSLO kind named: "SLO", "Service" or "AlertPolicy".
	Kind     string
	Original string
	Name     string
}

// NotPortable is one declaration OpenSLO cannot carry.
type NotPortable struct {
	// Objective is the objective's name.
	Objective string
	// Field is the Go field left out: "Include", "Classify".
	Field string
	// Effect says how a tracker built from the file differs.
	Effect string
}

// Lines returns the report as one line per entry, for a log or a comment.
func (r Report) Lines() []string {
	var out []string
	for _, n := range r.Renamed {
		out = append(out, fmt.Sprintf("renamed: %s %q is written as %q (RFC 1123)", n.Kind, n.Original, n.Name))
	}
	for _, n := range r.Truncated {
		out = append(out, fmt.Sprintf("truncated: objective %q: the description is cut to OpenSLO's %d characters", n, maxDescription))
	}
	for _, n := range r.NotPortable {
		out = append(out, fmt.Sprintf("not portable: objective %q: %s is a Go function and is not written; %s", n.Objective, n.Field, n.Effect))
	}
	return out
}

// Empty reports whether writing changed and left out nothing.
func (r Report) Empty() bool {
	return len(r.Renamed) == 0 && len(r.NotPortable) == 0 && len(r.Truncated) == 0
}

// maxName is the longest RFC 1123 label.
const maxName = 63

// IsName reports whether s is an RFC 1123 label, as OpenSLO requires of
// metadata.name: at most 63 characters of a-z, 0-9 and '-', starting and
// ending with a letter or digit.
func IsName(s string) bool {
	if s == "" || len(s) > maxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// Name maps s to an RFC 1123 label, deterministically and the same way
// every time: an RFC 1123 label is kept as it is; otherwise letters are
// lowered, every run of other characters becomes one '-', dashes at either
// end are dropped, and a name that is then empty or longer than 63
// characters is cut to 54 and given '-' and 8 hex digits of the SHA-256 of
// s. "Checkout_API" becomes "checkout-api".
func Name(s string) string {
	if IsName(s) {
		return s
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	out := b.String()
	if out == "" || len(out) > maxName {
		sum := sha256.Sum256([]byte(s))
		out = strings.TrimRight(out[:min(len(out), maxName-9)], "-")
		if out == "" {
			out = "x"
		}
		out += "-" + hex.EncodeToString(sum[:4])
	}
	return out
}
