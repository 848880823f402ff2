package openslo

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// ReadOption changes what Unmarshal accepts.
type ReadOption interface{ apply(*readConfig) }

type readConfig struct {
	acceptCustom bool
}

type readOptionFunc func(*readConfig)

func (f readOptionFunc) apply(c *readConfig) { f(c) }

// AcceptCustom accepts objectives of kind custom, whose verdict is a Go
// function (Classify) that no file carries. They decode with a nil
// Classify: set it before budget.New, which rejects it otherwise. Without
// this option a custom objective is a problem of the file. Tools that only
// read the declarations (to generate rules, say) pass it too.
func AcceptCustom() ReadOption {
	return readOptionFunc(func(c *readConfig) { c.acceptCustom = true })
}

// Load reads the OpenSLO file at path (YAML or JSON). Its problems name the
// file.
func Load(path string, opts ...ReadOption) (Declarations, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Declarations{}, err
	}
	d, err := Unmarshal(data, opts...)
	var e *Error
	if errors.As(err, &e) {
		e.File = path
	}
	return d, err
}

// Decode reads an OpenSLO file from r; see Unmarshal.
func Decode(r io.Reader, opts ...ReadOption) (Declarations, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Declarations{}, err
	}
	return Unmarshal(data, opts...)
}

// Unmarshal reads the OpenSLO v1 objects in data (YAML documents, each an
// object or a list of objects; or JSON, which is YAML) into the
// declarations errbudget runs. It reads the subset errbudget writes (see
// the package documentation); any other field or value is a problem. It
// reports every problem at once, each with its line, in an *Error, and
// returns no declarations then.
func Unmarshal(data []byte, opts ...ReadOption) (Declarations, error) {
	var cfg readConfig
	for _, o := range opts {
		o.apply(&cfg)
	}
	d := &decoder{}
	f := &file{cfg: cfg, d: d, policies: map[string]*policyDoc{}, conditions: map[string]*conditionDoc{}, services: map[string]*serviceDoc{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			break
		}
		if err != nil {
			d.probs = append(d.probs, syntaxProblem(err, data))
			break
		}
		root := &n
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = root.Content[0]
		}
		root = resolve(root)
		switch {
		case root == nil:
		case root.Kind == yaml.ScalarNode && root.Tag == "!!null":
		case root.Kind == yaml.SequenceNode:
			for _, item := range root.Content {
				f.object(item)
			}
		default:
			f.object(root)
		}
	}
	out := f.finish()
	if len(d.probs) > 0 {
		// In the order of the file; those without a line last.
		line := func(p Problem) uint { return uint(p.Line) - 1 } // 0 wraps to last
		slices.SortStableFunc(d.probs, func(a, b Problem) int { return cmp.Compare(line(a), line(b)) })
		return Declarations{}, &Error{Problems: d.probs}
	}
	return out, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

// syntaxProblem turns the YAML parser's error into a problem: the line goes
// into Line (not twice into the message), and a line indented with a tab,
// which YAML forbids, says so.
func syntaxProblem(err error, data []byte) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		lines := bytes.Split(data, []byte("\n"))
		if p.Line >= 1 && p.Line <= len(lines) {
			l := lines[p.Line-1]
			indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
			if bytes.IndexByte(indent, '\t') >= 0 {
				msg += " (the line is indented with a tab: YAML indents with spaces, not tabs)"
			}
		}
	}
	p.Message = "not YAML or JSON: " + msg
	return p
}

// file is what the objects of a file declare, before they are put together.
type file struct {
	cfg        readConfig
	d          *decoder
	slos       []*sloDoc
	policies   map[string]*policyDoc
	policyList []*policyDoc
	conditions map[string]*conditionDoc
	condList   []*conditionDoc
	services   map[string]*serviceDoc
}

type ref struct {
	name string
	node *yaml.Node
}

type sloDoc struct {
	node     *yaml.Node
	label    string
	obj      sli.Objective
	service  string
	svcNode  *yaml.Node
	policies []ref

	thresholdKind bool       // the indicator is a thresholdMetric
	emptyNode     *yaml.Node // the source's emptySlices, checked once the budgeting method is read
	emptyField    string
	methodUnknown bool       // budgetingMethod is not one of OpenSLO's: the slice fields are not judged
	kindOK        bool       // spec.kind was read
	kindNode      *yaml.Node // where spec.kind is
}

type policyDoc struct {
	node      *yaml.Node
	label     string
	original  string
	condition ref
	inline    *conditionDoc
	used      bool
}

type conditionDoc struct {
	node *yaml.Node
	path string
	rule budget.AlertRule // all but the name
	ok   bool
	used bool
}

type serviceDoc struct {
	node     *yaml.Node
	original string
	noRules  bool // errbudget.dev/alert-rules: none
	used     bool
}

const objectKeys = "apiVersion, kind, metadata, spec"

// object reads one OpenSLO object.
func (f *file) object(n *yaml.Node) {
	d := f.d
	top := d.mapping(n, "", "an OpenSLO object")
	if !top.ok {
		return
	}
	kind, kn, _ := top.str("kind", true)
	ver, vn, _ := top.str("apiVersion", true)
	kindPath := ""
	if kind != "" {
		kindPath = kind + ": "
	}
	md := d.mapping(top.get("metadata"), join(kindPath, "metadata"), "metadata")
	if !top.has("metadata") {
		d.problem(top.line(), join(kindPath, "metadata"), "missing")
	}
	var name string
	var nn *yaml.Node
	var nameOK bool
	if md.ok {
		name, nn, nameOK = md.str("name", true)
	}
	path := fmt.Sprintf("%s %q: ", kind, name)
	if name == "" {
		path = kindPath
	}
	md.path = join(path, "metadata")
	if nameOK && !IsName(name) {
		d.problem(nn, md.field("name"), "%q is not an RFC 1123 label (at most 63 of a-z, 0-9, '-'; a letter or digit at both ends); errbudget would write it as %q", name, Name(name))
	}
	if vn != nil && ver != APIVersion {
		d.problem(vn, join(path, "apiVersion"), "%q is not supported: errbudget reads %s", ver, APIVersion)
	}
	ann := f.metadata(md)
	spec := top.get("spec")
	if spec == nil && kn != nil {
		d.problem(top.line(), join(path, "spec"), "missing")
	}
	switch kind {
	case "SLO":
		f.slo(n, spec, path, name, nameOK)
		f.noAnnotations(ann, path)
	case "AlertPolicy":
		f.policy(n, spec, path, name, ann)
	case "AlertCondition":
		c := f.condition(n, spec, path, ann)
		if _, dup := f.conditions[name]; dup && nameOK {
			d.problem(nn, md.field("name"), "a second AlertCondition of this name")
		} else if nameOK {
			f.conditions[name] = c
			f.condList = append(f.condList, c)
		}
	case "Service":
		sf := d.mapping(spec, join(path, "spec"), "the Service's spec")
		sf.get("description")
		sf.finish("description")
		orig := f.originalName(ann, path, name, "the service")
		noRules := false
		if a, ok := ann[AnnotationAlertRules]; ok {
			if a.value != "none" {
				d.problem(a.node, join(path, "metadata.annotations."+AnnotationAlertRules), "the only value is \"none\" (no alert rules), got %q", a.value)
			}
			noRules = true
			delete(ann, AnnotationAlertRules)
		}
		f.noAnnotations(ann, path)
		if _, dup := f.services[name]; dup && nameOK {
			d.problem(nn, md.field("name"), "a second Service of this name")
		} else if nameOK {
			f.services[name] = &serviceDoc{node: n, original: orig, noRules: noRules}
		}
	case "":
	case "SLI", "DataSource", "AlertNotificationTarget":
		d.problem(kn, join(path, "kind"), "errbudget reads %s only inline, where it is used", kind)
	default:
		d.problem(kn, join(path, "kind"), "unknown kind %q (errbudget reads SLO, AlertPolicy, AlertCondition, Service)", kind)
	}
	top.finish(objectKeys)
}

type annotation struct {
	value string
	node  *yaml.Node
}

// metadata reads the rest of a metadata mapping whose name was read:
// displayName and labels are descriptive and not kept; see annotations.
func (f *file) metadata(md *fields) map[string]annotation {
	md.get("displayName")
	md.get("labels")
	ann := f.annotations(md)
	md.finish("name, displayName, labels, annotations")
	return ann
}

// annotations reads metadata.annotations: errbudget's are returned, the
// others are descriptive and not kept.
func (f *file) annotations(md *fields) map[string]annotation {
	out := map[string]annotation{}
	raw := md.get("annotations")
	if raw == nil {
		return out
	}
	af := f.d.mapping(raw, md.field("annotations"), "annotations")
	for _, k := range af.keys {
		v, vn, ok := af.str(k.Value, false)
		if ok && strings.HasPrefix(k.Value, AnnotationPrefix) {
			out[k.Value] = annotation{value: v, node: vn}
		}
	}
	return out
}

// originalName takes AnnotationName from ann: the name that label stands
// for (label itself without the annotation); what names the owner.
func (f *file) originalName(ann map[string]annotation, path, label, what string) string {
	a, ok := ann[AnnotationName]
	if !ok {
		return label
	}
	delete(ann, AnnotationName)
	switch p := join(path, "metadata.annotations."+AnnotationName); {
	case strings.TrimSpace(a.value) == "":
		f.d.problem(a.node, p, "blank: %s needs a name", what)
	case Name(a.value) != label:
		f.d.problem(a.node, p, "%q maps to %q, not to the object's name %q", a.value, Name(a.value), label)
	}
	return a.value
}

// noAnnotations reports errbudget annotations that have no meaning where
// they are (a misspelt key would otherwise be ignored).
func (f *file) noAnnotations(ann map[string]annotation, path string) {
	for k, a := range ann {
		f.d.problem(a.node, join(path, "metadata.annotations."+k), "errbudget does not know this annotation here")
	}
}

// slo reads an SLO object.
func (f *file) slo(n, spec *yaml.Node, path, label string, nameOK bool) {
	d := f.d
	before := len(d.probs)
	s := &sloDoc{node: n, label: label}
	sp := d.mapping(spec, join(path, "spec"), "the SLO's spec")
	if !sp.ok {
		return
	}
	o := &s.obj
	o.Name = label
	if desc, dn, ok := sp.str("description", false); ok {
		if len(desc) > maxDescription {
			// The writer cuts what is longer; read back, it would differ.
			d.problem(dn, sp.field("description"), "longer than OpenSLO's %d characters (%d bytes)", maxDescription, len(desc))
		}
		o.Description = desc
	}
	s.service, s.svcNode, _ = sp.str("service", true)
	if s.service != "" && strings.TrimSpace(s.service) == "" {
		d.problem(s.svcNode, sp.field("service"), "blank: the service needs a name")
		s.service = ""
	}
	sp.reject("indicatorRef", "errbudget reads inline indicators only (spec.indicator)")
	if sp.has("indicator") || !sp.has("indicatorRef") {
		if !sp.has("indicator") {
			d.problem(sp.line(), sp.field("indicator"), "missing")
		} else {
			f.indicator(sp.get("indicator"), sp.field("indicator"), s)
		}
	}
	f.timeWindow(sp, o)
	method, mn, _ := sp.str("budgetingMethod", true)
	switch method {
	case "", "Occurrences":
		o.Budgeting = sli.Occurrences
	case "Timeslices":
		o.Budgeting = sli.Timeslices
	case "RatioTimeslices":
		o.Budgeting = sli.RatioTimeslices
	default:
		d.problem(mn, sp.field("budgetingMethod"), "unknown budgeting method %q (Occurrences, Timeslices, RatioTimeslices)", method)
		s.methodUnknown = true
	}
	if s.emptyNode != nil && !o.Budgeting.IsTimeslices() && !s.methodUnknown {
		d.problem(s.emptyNode, s.emptyField, "applies to Timeslices and RatioTimeslices budgeting only (budgetingMethod is %s)", cmp.Or(method, "missing"))
	}
	f.objectives(sp, s)
	if items, _, ok := sp.list("alertPolicies", false); ok {
		for i, it := range items {
			p := fmt.Sprintf("%s[%d]", sp.field("alertPolicies"), i)
			af := d.mapping(it, p, "{alertPolicyRef: name}")
			if !af.ok {
				continue
			}
			if af.has("kind") || af.has("spec") {
				d.problem(af.line(), p, "inline alert policies are not supported: errbudget applies every rule to every objective; declare an AlertPolicy and reference it with alertPolicyRef")
				af.get("kind")
				af.get("metadata")
				af.get("spec")
				continue
			}
			r, rn, ok := af.str("alertPolicyRef", true)
			if ok {
				s.policies = append(s.policies, ref{name: r, node: rn})
			}
			af.finish("alertPolicyRef")
		}
	}
	sp.finish("description, service, indicator, timeWindow, budgetingMethod, objectives, alertPolicies")
	if !nameOK {
		return
	}
	for _, other := range f.slos {
		if other.label == label {
			d.problem(n, path, "a second SLO of this name")
			return
		}
	}
	if len(d.probs) == before {
		// What the fields could not show (a combination the declaration
		// rejects) comes from the declaration's own validation.
		check := *o
		if check.Kind == sli.Custom {
			check.Classify = func(sli.Event) sli.Outcome { return sli.Excluded }
		}
		if err := check.Validate(); err != nil {
			for _, msg := range strings.Split(err.Error(), "\n") {
				d.problem(n, strings.TrimSuffix(path, ": "), "%s", msg)
			}
		}
	}
	f.slos = append(f.slos, s)
}

func (f *file) timeWindow(sp *fields, o *sli.Objective) {
	d := f.d
	tw, _ := sp.one("timeWindow", "time window", "a time window")
	if !tw.ok {
		return
	}
	p := tw.path
	dur, dn, durOK := tw.str("duration", true)
	rolling, rollingSet := tw.boolean("isRolling")
	calNode := tw.get("calendar")
	defer tw.finish("duration, isRolling, calendar")
	switch {
	case calNode != nil && rolling:
		d.problem(tw.keyNode("calendar"), tw.field("calendar"), "a rolling window (isRolling: true) has no calendar")
		return
	case calNode == nil && !rolling:
		if rollingSet || durOK {
			d.problem(tw.line(), p, "a window is rolling (isRolling: true) or has a calendar")
		}
		return
	}
	if calNode == nil {
		if !durOK {
			return
		}
		w, err := parseShorthand(dur)
		switch {
		case err != nil:
			d.problem(dn, tw.field("duration"), "%v", err)
		case w == 0:
			d.problem(dn, tw.field("duration"), "a rolling %q has no fixed length: write it in days (\"30d\")", dur)
		case w < time.Hour || w > sli.MaxRolling:
			d.problem(dn, tw.field("duration"), "a rolling window must be from 1h to %s, got %s", "92d", dur)
		default:
			o.Window = sli.Rolling(w)
		}
		return
	}
	if durOK && dur != "1M" {
		d.problem(dn, tw.field("duration"), "a calendar window is one month (\"1M\"), got %q", dur)
	}
	cf := d.mapping(calNode, tw.field("calendar"), "a calendar")
	if !cf.ok {
		return
	}
	start, sn, startOK := cf.str("startTime", true)
	if startOK {
		t, err := time.Parse(time.DateTime, start)
		switch {
		case err != nil:
			d.problem(sn, cf.field("startTime"), "want \"2006-01-02 15:04:05\", got %q", start)
		case t.Day() != 1 || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0:
			d.problem(sn, cf.field("startTime"), "errbudget's months start on the first at midnight, got %q", start)
		}
	}
	tz, zn, tzOK := cf.str("timeZone", true)
	if tzOK {
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			d.problem(zn, cf.field("timeZone"), "%q is not an IANA time zone", tz)
			tzOK = false
		}
	}
	cf.finish("startTime, timeZone")
	if tzOK {
		o.Window = sli.CalendarMonth(tz)
		if tz == "UTC" {
			o.Window.TimeZone = ""
		}
	}
}

func (f *file) objectives(sp *fields, s *sloDoc) {
	d := f.d
	of, _ := sp.one("objectives", "objective (errbudget keeps one target per SLO)", "an objective")
	if !of.ok {
		return
	}
	o := &s.obj
	of.get("displayName") // descriptive; not kept
	t, tn, tOK := of.number("target", false)
	tp, tpn, tpOK := of.number("targetPercent", false)
	switch {
	case of.has("target") && of.has("targetPercent"):
		d.problem(tpn, of.field("targetPercent"), "give target or targetPercent, not both")
	case tOK:
		if t <= 0 || t >= 1 || t > sli.MaxTarget {
			d.problem(tn, of.field("target"), "want a ratio in (0, %v] (0.999, not 99.9), got %v", sli.MaxTarget, t)
		} else {
			o.Target = t
		}
	case tpOK:
		if tp <= 0 || tp >= 100 || tp/100 > sli.MaxTarget {
			d.problem(tpn, of.field("targetPercent"), "want a percentage in (0, 100), got %v", tp)
		} else {
			o.Target = tp / 100
		}
	case !of.has("target") && !of.has("targetPercent"):
		d.problem(of.line(), of.field("target"), "missing")
	}
	if s.methodUnknown {
		of.get("timeSliceTarget") // judged against a method only
		of.get("timeSliceWindow")
	} else {
		f.timeSlices(of, o)
	}
	for _, k := range []string{"indicator", "indicatorRef", "compositeWeight"} {
		of.reject(k, "composite objectives are not supported")
	}
	// op and value belong to a thresholdMetric indicator.
	op, on, opOK := of.str("op", false)
	val, vn, valOK := of.number("value", false)
	if s.thresholdKind {
		switch {
		case !of.has("op"):
			d.problem(of.line(), of.field("op"), "missing (a thresholdMetric needs op and value)")
		case opOK && o.Kind == sli.Quality && op != "gte":
			d.problem(on, of.field("op"), "a quality threshold is a minimum score: op gte, got %q", op)
		case opOK && o.Kind != sli.Quality && op != "lte":
			d.problem(on, of.field("op"), "a %s threshold is a maximum: op lte, got %q", o.Kind, op)
		}
		switch {
		case !of.has("value"):
			d.problem(of.line(), of.field("value"), "missing (a thresholdMetric needs op and value)")
		case valOK && o.Kind == sli.Quality:
			o.MinScore = val
		case valOK:
			if val <= 0 || val > float64(math.MaxInt64)/1e9 {
				d.problem(vn, of.field("value"), "want a positive number of seconds, got %v", val)
			} else {
				o.Threshold = time.Duration(math.Round(val * 1e9))
			}
		}
	} else {
		if of.has("op") {
			d.problem(of.keyNode("op"), of.field("op"), "applies to a thresholdMetric indicator only")
		}
		if of.has("value") {
			d.problem(of.keyNode("value"), of.field("value"), "applies to a thresholdMetric indicator only")
		}
	}
	of.finish("displayName, target, targetPercent, timeSliceTarget, timeSliceWindow, op, value")
}

// timeSlices reads an objective's timeSliceTarget and timeSliceWindow, once
// the SLO's budgeting method is known: Timeslices needs both,
// RatioTimeslices the window only, Occurrences neither.
func (f *file) timeSlices(of *fields, o *sli.Objective) {
	d := f.d
	method := o.Budgeting
	if !method.IsTimeslices() {
		for _, k := range []string{"timeSliceTarget", "timeSliceWindow"} {
			of.reject(k, "applies to Timeslices and RatioTimeslices budgeting only (budgetingMethod is Occurrences)")
		}
		return
	}
	st, stn, stOK := of.number("timeSliceTarget", false)
	switch {
	case method == sli.RatioTimeslices && of.has("timeSliceTarget"):
		d.problem(of.keyNode("timeSliceTarget"), of.field("timeSliceTarget"), "applies to Timeslices only: with RatioTimeslices a slice counts by its ratio of good events, not by a verdict")
	case method == sli.Timeslices && !of.has("timeSliceTarget"):
		d.problem(of.line(), of.field("timeSliceTarget"), "missing (Timeslices needs the ratio of good events that makes a slice good, in (0, 1])")
	case stOK && (st <= 0 || st > 1):
		d.problem(stn, of.field("timeSliceTarget"), "want a ratio in (0, 1] (0.95, not 95), got %v", st)
	case stOK:
		o.SliceTarget = st
	}
	raw := of.get("timeSliceWindow")
	v := resolve(raw)
	switch {
	case raw == nil:
		d.problem(of.line(), of.field("timeSliceWindow"), "missing (%s needs the slice width: 1m or 5m)", methodName(method))
		return
	case v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null":
		d.problem(of.keyNode("timeSliceWindow"), of.field("timeSliceWindow"), "want a duration (1m or 5m), got %s", describe(v))
		return
	}
	var w time.Duration
	if v.Tag == "!!int" {
		// OpenSLO reads a bare number as minutes.
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil || n <= 0 || n > 1<<20 {
			d.problem(v, of.field("timeSliceWindow"), "want a positive number of minutes (1 or 5) or a duration (1m or 5m), got %s", describe(v))
			return
		}
		w = time.Duration(n) * time.Minute
	} else {
		var err error
		w, err = parseShorthand(v.Value)
		if err != nil {
			d.problem(v, of.field("timeSliceWindow"), "%v", err)
			return
		}
	}
	if w != time.Minute && w != 5*time.Minute {
		d.problem(v, of.field("timeSliceWindow"), "errbudget's slices are 1m or 5m wide (they divide its 15-minute buckets, so a calendar month holds whole slices), got %s", describe(v))
		return
	}
	if r := o.Window.Rolling; r > 0 && r%w != 0 {
		d.problem(v, of.field("timeSliceWindow"), "the rolling window (%s) is not a whole number of %s slices", goDuration(r), goDuration(w))
		return
	}
	o.SliceWidth = w
}
