package openslo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// Format is the encoding Marshal writes.
type Format uint8

const (
	// YAML writes one document per object, separated by "---", led by the
	// report as comments.
	YAML Format = iota
	// JSON writes an array of the objects (JSON is also YAML).
	JSON
)

// CalendarStart is the calendar.startTime written for calendar-month
// windows: any first of a month at midnight anchors the same months.
const CalendarStart = "2000-01-01 00:00:00"

// maxDescription is OpenSLO's longest description.
const maxDescription = 1050

// The wire types, in the order OpenSLO's README lists the fields.
type (
	object struct {
		APIVersion string   `json:"apiVersion" yaml:"apiVersion"`
		Kind       string   `json:"kind" yaml:"kind"`
		Metadata   metadata `json:"metadata" yaml:"metadata"`
		Spec       any      `json:"spec" yaml:"spec"`
	}
	metadata struct {
		Name        string            `json:"name" yaml:"name"`
		DisplayName string            `json:"displayName,omitempty" yaml:"displayName,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty" yaml:"annotations,omitempty"`
	}
	serviceSpec struct {
		Description string `json:"description,omitempty" yaml:"description,omitempty"`
	}
	sloSpec struct {
		Description     string       `json:"description,omitempty" yaml:"description,omitempty"`
		Service         string       `json:"service" yaml:"service"`
		Indicator       indicator    `json:"indicator" yaml:"indicator"`
		TimeWindow      []timeWindow `json:"timeWindow" yaml:"timeWindow"`
		BudgetingMethod string       `json:"budgetingMethod" yaml:"budgetingMethod"`
		Objectives      []target     `json:"objectives" yaml:"objectives"`
		AlertPolicies   []policyRef  `json:"alertPolicies,omitempty" yaml:"alertPolicies,omitempty"`
	}
	indicator struct {
		Metadata metadata `json:"metadata" yaml:"metadata"`
		Spec     sliSpec  `json:"spec" yaml:"spec"`
	}
	sliSpec struct {
		RatioMetric ratioMetric `json:"ratioMetric" yaml:"ratioMetric"`
	}
	ratioMetric struct {
		Counter bool       `json:"counter" yaml:"counter"`
		Good    metricSpec `json:"good" yaml:"good"`
		Total   metricSpec `json:"total" yaml:"total"`
	}
	metricSpec struct {
		MetricSource metricSource `json:"metricSource" yaml:"metricSource"`
	}
	metricSource struct {
		Type string     `json:"type" yaml:"type"`
		Spec sourceSpec `json:"spec" yaml:"spec"`
	}
	sourceSpec struct {
		Query           string   `json:"query" yaml:"query"`
		Objective       string   `json:"objective,omitempty" yaml:"objective,omitempty"`
		Kind            string   `json:"kind,omitempty" yaml:"kind,omitempty"`
		Threshold       string   `json:"threshold,omitempty" yaml:"threshold,omitempty"`
		MinScore        *float64 `json:"minScore,omitempty" yaml:"minScore,omitempty"`
		IncludeFailures bool     `json:"includeFailures,omitempty" yaml:"includeFailures,omitempty"`
		Advisory        bool     `json:"advisory,omitempty" yaml:"advisory,omitempty"`
		GroupBy         string   `json:"groupBy,omitempty" yaml:"groupBy,omitempty"`
		MaxGroups       int      `json:"maxGroups,omitempty" yaml:"maxGroups,omitempty"`
		EmptySlices     string   `json:"emptySlices,omitempty" yaml:"emptySlices,omitempty"`
	}
	timeWindow struct {
		Duration  string    `json:"duration" yaml:"duration"`
		Calendar  *calendar `json:"calendar,omitempty" yaml:"calendar,omitempty"`
		IsRolling bool      `json:"isRolling" yaml:"isRolling"`
	}
	calendar struct {
		StartTime string `json:"startTime" yaml:"startTime"`
		TimeZone  string `json:"timeZone" yaml:"timeZone"`
	}
	target struct {
		Target          float64  `json:"target" yaml:"target"`
		TimeSliceTarget *float64 `json:"timeSliceTarget,omitempty" yaml:"timeSliceTarget,omitempty"`
		TimeSliceWindow string   `json:"timeSliceWindow,omitempty" yaml:"timeSliceWindow,omitempty"`
	}
	policyRef struct {
		AlertPolicyRef string `json:"alertPolicyRef" yaml:"alertPolicyRef"`
	}
	policySpec struct {
		Description         string         `json:"description,omitempty" yaml:"description,omitempty"`
		AlertWhenNoData     bool           `json:"alertWhenNoData" yaml:"alertWhenNoData"`
		AlertWhenResolved   bool           `json:"alertWhenResolved" yaml:"alertWhenResolved"`
		AlertWhenBreaching  bool           `json:"alertWhenBreaching" yaml:"alertWhenBreaching"`
		Conditions          []conditionRef `json:"conditions" yaml:"conditions"`
		NotificationTargets []inlineTarget `json:"notificationTargets" yaml:"notificationTargets"`
	}
	conditionRef struct {
		ConditionRef string `json:"conditionRef" yaml:"conditionRef"`
	}
	inlineTarget struct {
		Kind     string     `json:"kind" yaml:"kind"`
		Metadata metadata   `json:"metadata" yaml:"metadata"`
		Spec     targetSpec `json:"spec" yaml:"spec"`
	}
	targetSpec struct {
		Description string `json:"description,omitempty" yaml:"description,omitempty"`
		Target      string `json:"target" yaml:"target"`
	}
	conditionSpec struct {
		Description string    `json:"description,omitempty" yaml:"description,omitempty"`
		Severity    string    `json:"severity" yaml:"severity"`
		Condition   burnAlert `json:"condition" yaml:"condition"`
	}
	burnAlert struct {
		Kind           string  `json:"kind" yaml:"kind"`
		Op             string  `json:"op" yaml:"op"`
		Threshold      float64 `json:"threshold" yaml:"threshold"`
		LookbackWindow string  `json:"lookbackWindow" yaml:"lookbackWindow"`
		AlertAfter     string  `json:"alertAfter" yaml:"alertAfter"`
	}
)

// Marshal writes d as OpenSLO v1: a Service, one SLO per objective (an
// inline ratio indicator over slo_events_total), and per alert rule one
// AlertPolicy with one AlertCondition, referenced by every SLO.
//
// Names that are not RFC 1123 labels are written mapped (Name) and listed
// in the report, with what OpenSLO cannot carry (Include and Classify
// functions). It fails, listing every problem, when a declaration cannot be
// written at all: a window or an alert rule's long window that is not a
// whole number of minutes, two names that map to the same label, an invalid objective.
func Marshal(d Declarations, f Format) ([]byte, Report, error) {
	objs, rep, err := build(d)
	if err != nil {
		return nil, rep, err
	}
	var buf bytes.Buffer
	switch f {
	case JSON:
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(objs); err != nil {
			return nil, rep, err
		}
	case YAML:
		buf.WriteString("# OpenSLO v1, written by errbudget (github.com/errbudget/errbudget/openslo).\n")
		for _, l := range rep.Lines() {
			buf.WriteString("# " + l + "\n")
		}
		for i, o := range objs {
			if i > 0 {
				buf.WriteString("---\n")
			}
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(o); err != nil {
				return nil, rep, err
			}
			enc.Close()
		}
	default:
		return nil, rep, fmt.Errorf("openslo: unknown format %d", f)
	}
	return buf.Bytes(), rep, nil
}

// build turns d into the objects Marshal encodes.
func build(d Declarations) ([]object, Report, error) {
	var rep Report
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf("openslo: "+format, args...)) }

	if d.Service == "" {
		fail("the service name is empty")
	}
	if err := sli.ValidateAll(d.Objectives); err != nil {
		errs = append(errs, err)
	}
	names := map[string]map[string]string{} // kind → label → original
	label := func(kind, name string) string {
		l := Name(name)
		if names[kind] == nil {
			names[kind] = map[string]string{}
		}
		if prev, ok := names[kind][l]; ok && prev != name {
			fail("%s names %q and %q both map to %q", kind, prev, name, l)
		}
		names[kind][l] = name
		if l != name {
			rep.Renamed = append(rep.Renamed, Rename{Kind: kind, Original: name, Name: l})
		}
		return l
	}

	svc := object{APIVersion: APIVersion, Kind: "Service", Metadata: metadata{Name: label("Service", d.Service)},
		Spec: serviceSpec{Description: "Declared by errbudget."}}
	svc.Metadata.Annotations = map[string]string{} // omitted when empty
	if svc.Metadata.Name != d.Service {
		svc.Metadata.Annotations[AnnotationName] = d.Service
	}
	if d.AlertRules != nil && len(d.AlertRules) == 0 {
		svc.Metadata.Annotations[AnnotationAlertRules] = "none"
	}
	out := []object{svc}

	period := referencePeriod(d.Objectives)
	var refs []policyRef
	var alerts []object
	for _, r := range d.AlertRules {
		name := label("AlertPolicy", r.Name)
		refs = append(refs, policyRef{AlertPolicyRef: name})
		pol, cond, err := alertObjects(r, name, period)
		if err != nil {
			fail("alert rule %q: %v", r.Name, err)
			continue
		}
		alerts = append(alerts, pol, cond)
	}

	for i := range d.Objectives {
		o := &d.Objectives[i]
		name := label("SLO", o.Name)
		s, err := sloObject(o, name, svc.Metadata.Name, refs)
		if err != nil {
			fail("objective %q: %v", o.Name, err)
			continue
		}
		out = append(out, s)
		if len(o.Description) > maxDescription {
			rep.Truncated = append(rep.Truncated, o.Name)
		}
		if o.Include != nil {
			rep.NotPortable = append(rep.NotPortable, NotPortable{Objective: o.Name, Field: "Include",
				Effect: "a tracker built from the file alone counts the events Include excludes, unless the program sets Include again"})
		}
		if o.Classify != nil {
			rep.NotPortable = append(rep.NotPortable, NotPortable{Objective: o.Name, Field: "Classify",
				Effect: "the program sets Classify again (read with AcceptCustom)"})
		}
	}
	out = append(out, alerts...)
	if err := errors.Join(errs...); err != nil {
		return nil, rep, err
	}
	return out, rep, nil
}

// referencePeriod is the period an alert condition's threshold is written
// for: the objectives' common rolling window, or 30 days when they differ
// or one is a calendar month (whose length changes).
func referencePeriod(objs []sli.Objective) time.Duration {
	var p time.Duration
	for _, o := range objs {
		if o.Window.IsCalendar() {
			return sli.DefaultWindow
		}
		w := o.Window.MaxLength()
		if p != 0 && w != p {
			return sli.DefaultWindow
		}
		p = w
	}
	if p == 0 {
		return sli.DefaultWindow
	}
	return p
}

func sloObject(o *sli.Objective, name, serviceLabel string, refs []policyRef) (object, error) {
	var errs []error
	tw := timeWindow{IsRolling: true}
	if o.Window.IsCalendar() {
		tz := o.Window.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		tw = timeWindow{Duration: "1M", Calendar: &calendar{StartTime: CalendarStart, TimeZone: tz}}
	} else {
		d, err := shorthand(o.Window.MaxLength())
		if err != nil {
			errs = append(errs, fmt.Errorf("window: %v", err))
		}
		tw.Duration = d
	}
	src := sourceSpec{Kind: o.Kind.String(), IncludeFailures: o.IncludeFailures && o.Kind.HasThreshold(),
		Advisory: o.Advisory, GroupBy: o.GroupBy, MaxGroups: o.MaxGroups}
	if name != o.Name {
		src.Objective = o.Name
	}
	if o.Kind.HasThreshold() {
		src.Threshold = o.Threshold.String()
	}
	if o.Kind == sli.Quality {
		ms := o.MinScore
		src.MinScore = &ms
	}
	good, total := queries(o)
	src.Query = total
	obj := target{Target: o.Target}
	if o.Budgeting.IsTimeslices() {
		// The width as a string: OpenSLO also allows a number of minutes,
		// which its Go SDK fails to decode.
		obj.TimeSliceWindow, _ = shorthand(o.Slice())
		if o.Budgeting == sli.Timeslices {
			st := o.SliceTarget
			obj.TimeSliceTarget = &st
		}
		// OpenSLO does not say how a slice without events counts.
		src.EmptySlices = o.EmptySlices.String()
	}
	desc := truncate(o.Description, maxDescription)
	spec := sloSpec{
		Description: desc,
		// spec.service names the Service object, which carries the
		// original name when it is not a label.
		Service: serviceLabel,
		Indicator: indicator{
			Metadata: metadata{Name: name},
			Spec: sliSpec{RatioMetric: ratioMetric{
				Counter: true,
				Good:    metricSpec{MetricSource: metricSource{Type: SourceType, Spec: sourceSpec{Query: good}}},
				Total:   metricSpec{MetricSource: metricSource{Type: SourceType, Spec: src}},
			}},
		},
		TimeWindow:      []timeWindow{tw},
		BudgetingMethod: methodName(o.Budgeting),
		Objectives:      []target{obj},
		AlertPolicies:   refs,
	}
	return object{APIVersion: APIVersion, Kind: "SLO", Metadata: metadata{Name: name}, Spec: spec}, errors.Join(errs...)
}

// queries returns the PromQL of an objective's good and total events over
// the counter errbudget exports; excluded events are never in the total.
func queries(o *sli.Objective) (good, total string) {
	sel := "slo_events_total{slo_name=" + strconv.Quote(o.Name) + ",slo_outcome="
	sum := "sum("
	if o.GroupBy != "" {
		sum = "sum by (slo_group) ("
	}
	return sum + sel + `"good"})`, sum + sel + `~"good|bad"})`
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func alertObjects(r budget.AlertRule, name string, period time.Duration) (policy, cond object, err error) {
	// The long window is the condition's lookbackWindow, in OpenSLO's
	// whole minutes; the short window is an annotation, a Go duration of
	// any length the tracker runs.
	long, err := shorthand(r.LongWindow)
	if err != nil {
		return object{}, object{}, fmt.Errorf("long window: %v", err)
	}
	ann := map[string]string{AnnotationShortWindow: goDuration(r.ShortWindow)}
	if r.Name != name {
		ann[AnnotationName] = r.Name
	}
	if r.MinLongEvents != 0 {
		ann[AnnotationMinLongEvents] = strconv.FormatInt(r.MinLongEvents, 10)
	}
	if r.MinShortEvents != 0 {
		ann[AnnotationMinShortEvents] = strconv.FormatInt(r.MinShortEvents, 10)
	}
	thr := r.BurnRate
	desc := fmt.Sprintf("Fires when the burn rate is above %s over %s and over %s", fmtFloat(roundThreshold(r.Threshold(period))), goDuration(r.LongWindow), goDuration(r.ShortWindow))
	if r.BurnRate <= 0 {
		// Only a derived threshold is rounded (14.4, not
		// 14.399999999999999); a fixed one is written as given.
		thr = roundThreshold(r.Threshold(period))
		ann[AnnotationBudgetConsumed] = fmtFloat(r.BudgetConsumed)
		ann[AnnotationThresholdPeriod] = goDuration(period)
		desc += fmt.Sprintf(": %s%% of a %s budget spent in %s. errbudget scales the threshold to each objective's period",
			fmtFloat(roundThreshold(r.BudgetConsumed*100)), goDuration(period), goDuration(r.LongWindow))
	}
	desc += "."
	cond = object{APIVersion: APIVersion, Kind: "AlertCondition", Metadata: metadata{Name: name, Annotations: ann},
		Spec: conditionSpec{Description: desc, Severity: r.Severity.String(),
			Condition: burnAlert{Kind: "burnrate", Op: "gt", Threshold: thr, LookbackWindow: long, AlertAfter: "0m"}}}
	pann := map[string]string(nil)
	if r.Name != name {
		pann = map[string]string{AnnotationName: r.Name}
	}
	policy = object{APIVersion: APIVersion, Kind: "AlertPolicy", Metadata: metadata{Name: name, Annotations: pann},
		Spec: policySpec{
			Description:        "errbudget alert rule " + strconv.Quote(r.Name) + ", applied to every objective of the service.",
			AlertWhenResolved:  true,
			AlertWhenBreaching: true,
			Conditions:         []conditionRef{{ConditionRef: name}},
			NotificationTargets: []inlineTarget{{Kind: "AlertNotificationTarget", Metadata: metadata{Name: "errbudget-" + Name(r.Severity.String())},
				Spec: targetSpec{Target: r.Severity.String(), Description: "errbudget delivers transitions to the tracker's OnTransition functions and its log."}}},
		}}
	return policy, cond, nil
}

// roundThreshold keeps 9 significant digits, so that 0.02 × 720h / 1h is
// written 14.4 and not 14.399999999999999.
func roundThreshold(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 9, 64), 64)
	return v
}

// goDuration writes d as a Go duration without its zero tails: "5m",
// "720h", "1h30m".
func goDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func fmtFloat(x float64) string { return strings.TrimSuffix(strconv.FormatFloat(x, 'f', -1, 64), ".0") }

// methodName returns OpenSLO's name of a budgeting method: Occurrences,
// Timeslices or RatioTimeslices.
func methodName(b sli.Budgeting) string {
	switch b {
	case sli.Timeslices:
		return "Timeslices"
	case sli.RatioTimeslices:
		return "RatioTimeslices"
	}
	return "Occurrences"
}
