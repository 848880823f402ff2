package openslo

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/errbudget/errbudget/budget"
)

// maxAlertWindow is the longest alert window the tracker runs.
const maxAlertWindow = 72 * time.Hour

// policy reads an AlertPolicy object.
func (f *file) policy(n, spec *yaml.Node, path, label string, ann map[string]annotation) {
	d := f.d
	p := &policyDoc{node: n, label: label, original: f.originalName(ann, path, label, "the alert rule")}
	f.noAnnotations(ann, path)
	sp := d.mapping(spec, join(path, "spec"), "the AlertPolicy's spec")
	if !sp.ok {
		return
	}
	defer sp.finish("description, alertWhenNoData, alertWhenResolved, alertWhenBreaching, conditions, notificationTargets")
	sp.get("description")
	if v, ok := sp.boolean("alertWhenNoData"); ok && v {
		d.problem(sp.keyNode("alertWhenNoData"), sp.field("alertWhenNoData"), "errbudget never alerts without data (no traffic is no data, not a breach)")
	}
	if v, ok := sp.boolean("alertWhenResolved"); ok && !v {
		d.problem(sp.keyNode("alertWhenResolved"), sp.field("alertWhenResolved"), "errbudget always reports when an alert resolves (a transition to OnTransition and the log); false cannot run")
	}
	if v, ok := sp.boolean("alertWhenBreaching"); ok && !v {
		d.problem(sp.keyNode("alertWhenBreaching"), sp.field("alertWhenBreaching"), "errbudget alerts when the burn rate breaches; false cannot run")
	}
	if cf, item := sp.one("conditions", "condition (OpenSLO v1 allows one per policy)", "{conditionRef: name} or an inline AlertCondition"); cf.ok {
		if cf.has("conditionRef") {
			if r, rn, ok := cf.str("conditionRef", true); ok {
				p.condition = ref{name: r, node: rn}
			}
			cf.finish("conditionRef")
		} else {
			if kind, kn, _ := cf.str("kind", true); kind != "" && kind != "AlertCondition" {
				d.problem(kn, cf.field("kind"), "want AlertCondition, got %q", kind)
			}
			mf := cf.sub("metadata", "metadata", false)
			mf.str("name", false)
			cann := f.metadata(mf)
			if !cf.has("spec") {
				d.problem(cf.line(), cf.field("spec"), "missing")
			}
			p.inline = f.condition(item, cf.get("spec"), cf.path+": ", cann)
			cf.finish("conditionRef, or kind, metadata, spec")
		}
	}
	if items, kn, ok := sp.list("notificationTargets", true); ok {
		if len(items) == 0 {
			d.problem(kn, sp.field("notificationTargets"), "want at least one target")
		}
		// Targets are accepted and not run: errbudget delivers transitions
		// to the tracker's OnTransition functions and its log.
		for i, it := range items {
			tf := d.mapping(it, fmt.Sprintf("%s[%d]", sp.field("notificationTargets"), i), "{targetRef: name} or an inline AlertNotificationTarget")
			for _, k := range []string{"targetRef", "kind", "metadata", "spec"} {
				tf.get(k)
			}
			tf.finish("targetRef, or kind, metadata, spec")
		}
	}
	if _, dup := f.policies[label]; dup {
		d.problem(n, path, "a second AlertPolicy of this name")
		return
	}
	if IsName(label) {
		f.policies[label] = p
		f.policyList = append(f.policyList, p)
	}
}

// condition reads an AlertCondition's spec and annotations into a rule
// (without its name, which the policy gives).
func (f *file) condition(n, spec *yaml.Node, path string, ann map[string]annotation) *conditionDoc {
	d := f.d
	before := len(d.probs)
	c := &conditionDoc{node: n, path: path}
	r := &c.rule
	annPath := join(path, "metadata.annotations.")
	take := func(key string) (annotation, bool) {
		a, ok := ann[key]
		delete(ann, key)
		return a, ok
	}
	take(AnnotationName) // the policy's name is the rule's
	if a, ok := take(AnnotationShortWindow); !ok {
		d.problem(n, annPath+AnnotationShortWindow, "missing: errbudget's alerts need a short window (OpenSLO has no field for it)")
	} else if w, err := time.ParseDuration(a.value); err != nil || w <= 0 {
		d.problem(a.node, annPath+AnnotationShortWindow, "want a positive Go duration (\"5m\"), got %q", a.value)
	} else {
		r.ShortWindow = w
	}
	for _, k := range []string{AnnotationMinLongEvents, AnnotationMinShortEvents} {
		a, ok := take(k)
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(a.value, 10, 64)
		if err != nil || v < 0 {
			d.problem(a.node, annPath+k, "want a whole number of events, got %q", a.value)
			continue
		}
		if k == AnnotationMinLongEvents {
			r.MinLongEvents = v
		} else {
			r.MinShortEvents = v
		}
	}
	consumed, hasConsumed := take(AnnotationBudgetConsumed)
	period, hasPeriod := take(AnnotationThresholdPeriod)
	f.noAnnotations(ann, path)

	sp := d.mapping(spec, join(path, "spec"), "the AlertCondition's spec")
	if spec == nil || !sp.ok {
		return c
	}
	defer sp.finish("description, severity, condition")
	sp.get("description")
	sev, sn, ok := sp.str("severity", true)
	if ok {
		if r.Severity.UnmarshalText([]byte(sev)) != nil {
			d.problem(sn, sp.field("severity"), "errbudget's severities are %q and %q, got %q", budget.Page, budget.Ticket, sev)
		}
	}
	cf := sp.sub("condition", "a burn-rate condition", true)
	if !cf.ok {
		return c
	}
	defer cf.finish("kind, op, threshold, lookbackWindow, alertAfter")
	if k, kn, ok := cf.str("kind", true); ok && k != "burnrate" {
		d.problem(kn, cf.field("kind"), "want burnrate, got %q", k)
	}
	if op, on, ok := cf.str("op", true); ok && op != "gt" {
		d.problem(on, cf.field("op"), "errbudget fires when the burn rate is above the threshold: op gt, got %q", op)
	}
	thr, tn, thrOK := cf.number("threshold", true)
	if thrOK && thr <= 0 {
		d.problem(tn, cf.field("threshold"), "want a positive burn rate, got %v", thr)
		thrOK = false
	}
	if lb, ln, ok := cf.str("lookbackWindow", true); ok {
		w, err := parseShorthand(lb)
		switch {
		case err != nil:
			d.problem(ln, cf.field("lookbackWindow"), "%v", err)
		case w == 0 || w > maxAlertWindow:
			d.problem(ln, cf.field("lookbackWindow"), "errbudget's alert windows are at most 3d, got %q", lb)
		default:
			r.LongWindow = w
		}
	}
	if aa, an, ok := cf.str("alertAfter", false); ok {
		if len(aa) != 2 || aa[0] != '0' || !slices.Contains([]byte("mhdw"), aa[1]) {
			d.problem(an, cf.field("alertAfter"), "errbudget fires as soon as both windows burn: only 0m, got %q", aa)
		}
	}
	if r.LongWindow > 0 && r.ShortWindow >= r.LongWindow {
		d.problem(n, annPath+AnnotationShortWindow, "the short window %v must be shorter than the lookback window %v", r.ShortWindow, r.LongWindow)
	}
	if !thrOK || r.LongWindow == 0 {
		return c
	}
	// The threshold is what counts. It stands for a budget fraction only
	// while it is still the one the fraction derives for the period it was
	// written for; an edited threshold is a fixed burn rate.
	r.BurnRate = thr
	if hasConsumed && hasPeriod {
		bc, err1 := strconv.ParseFloat(consumed.value, 64)
		p, err2 := time.ParseDuration(period.value)
		switch {
		case err1 != nil || math.IsNaN(bc) || bc <= 0 || bc > 1:
			d.problem(consumed.node, annPath+AnnotationBudgetConsumed, "want a fraction in (0, 1], got %q", consumed.value)
		case err2 != nil || p <= 0:
			d.problem(period.node, annPath+AnnotationThresholdPeriod, "want a positive Go duration, got %q", period.value)
		default:
			derived := budget.AlertRule{LongWindow: r.LongWindow, BudgetConsumed: bc}.Threshold(p)
			if math.Abs(roundThreshold(derived)-thr) <= 1e-9*thr {
				r.BurnRate, r.BudgetConsumed = 0, bc
			}
		}
	} else if hasConsumed != hasPeriod {
		a := consumed
		if !hasConsumed {
			a = period
		}
		d.problem(a.node, annPath, "%s and %s go together", AnnotationBudgetConsumed, AnnotationThresholdPeriod)
	}
	c.ok = len(d.probs) == before
	return c
}

// finish puts the objects together: every SLO of one service, every SLO
// referencing the same alert policies, every policy and condition used.
func (f *file) finish() Declarations {
	d := f.d
	var out Declarations
	if len(f.slos) == 0 && len(d.probs) == 0 {
		d.problem(nil, "", "the file declares no SLO")
	}
	// The service.
	var first *sloDoc
	for _, s := range f.slos {
		if s.service == "" {
			continue
		}
		if first == nil {
			first = s
			continue
		}
		if s.service != first.service {
			d.problem(s.svcNode, fmt.Sprintf("SLO %q: spec.service", s.label), "%q differs from %q (line %d): errbudget runs one service per tracker", s.service, first.service, first.svcNode.Line)
		}
	}
	noRules := false
	if first != nil {
		out.Service = first.service
		if svc := f.services[first.service]; svc != nil {
			out.Service = svc.original
			svc.used = true
			noRules = svc.noRules
		}
	}
	for name, svc := range f.services {
		if !svc.used && first != nil {
			d.problem(svc.node, fmt.Sprintf("Service %q", name), "no SLO belongs to it (their service is %q)", first.service)
		}
	}
	// The alert rules: the policies every SLO references.
	var want []string
	for i, s := range f.slos {
		names := make([]string, len(s.policies))
		for j, r := range s.policies {
			names[j] = r.name
			p := f.policies[r.name]
			if p == nil {
				d.problem(r.node, fmt.Sprintf("SLO %q: spec.alertPolicies", s.label), "no AlertPolicy named %q in the file", r.name)
				continue
			}
			p.used = true
		}
		slices.Sort(names)
		if i == 0 {
			want = names
		} else if !slices.Equal(names, want) {
			d.problem(s.node, fmt.Sprintf("SLO %q: spec.alertPolicies", s.label), "references %v, but SLO %q references %v: errbudget applies every rule to every objective", names, f.slos[0].label, want)
		}
	}
	for _, p := range f.policyList {
		if !p.used {
			d.problem(p.node, fmt.Sprintf("AlertPolicy %q", p.label), "no SLO references it")
		}
		c := p.inline
		if c == nil && p.condition.name != "" {
			c = f.conditions[p.condition.name]
			if c == nil {
				d.problem(p.condition.node, fmt.Sprintf("AlertPolicy %q: spec.conditions[0].conditionRef", p.label), "no AlertCondition named %q in the file", p.condition.name)
				continue
			}
			if c.used {
				d.problem(p.condition.node, fmt.Sprintf("AlertPolicy %q: spec.conditions[0].conditionRef", p.label), "AlertCondition %q is used by another policy too: errbudget reads one condition per rule", p.condition.name)
			}
		}
		if c == nil {
			continue
		}
		c.used = true
		if c.ok {
			r := c.rule
			r.Name = p.original
			out.AlertRules = append(out.AlertRules, r)
		}
	}
	for _, c := range f.condList {
		if !c.used {
			d.problem(c.node, c.path, "no AlertPolicy references it")
		}
	}
	if len(f.slos) > 0 && len(f.slos[0].policies) == 0 {
		out.AlertRules = nil
		if noRules {
			out.AlertRules = []budget.AlertRule{}
		}
	} else if noRules && len(f.slos) > 0 {
		d.problem(f.slos[0].node, fmt.Sprintf("SLO %q: spec.alertPolicies", f.slos[0].label), "the Service says %s: none, but the SLOs reference alert policies", AnnotationAlertRules)
	}
	names := map[string]bool{}
	for _, s := range f.slos {
		if names[s.obj.Name] {
			d.problem(s.node, fmt.Sprintf("SLO %q", s.label), "objective %q is declared twice", s.obj.Name)
		}
		names[s.obj.Name] = true
		out.Objectives = append(out.Objectives, s.obj)
	}
	return out
}
