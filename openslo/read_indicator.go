package openslo

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/errbudget/errbudget/sli"
)

const sourceKeys = "query, objective, kind, threshold, minScore, includeFailures, advisory, groupBy, maxGroups, emptySlices"

// indicator reads an SLO's inline indicator.
func (f *file) indicator(n *yaml.Node, path string, s *sloDoc) {
	d := f.d
	in := d.mapping(n, path, "an inline indicator")
	if !in.ok {
		return
	}
	if md := in.get("metadata"); md != nil {
		mf := d.mapping(md, in.field("metadata"), "metadata")
		if name, nn, ok := mf.str("name", false); ok && !IsName(name) {
			d.problem(nn, mf.field("name"), "%q is not an RFC 1123 label", name)
		}
		mf.get("displayName")
		mf.get("labels")
		mf.get("annotations")
		mf.finish("name, displayName, labels, annotations")
	}
	sp := in.sub("spec", "the indicator's spec", true)
	in.finish("metadata, spec")
	if !sp.ok {
		return
	}
	sp.get("description") // descriptive; the SLO's description is kept
	switch {
	case sp.has("ratioMetric") && sp.has("thresholdMetric"):
		d.problem(sp.keyNode("thresholdMetric"), sp.field("thresholdMetric"), "give ratioMetric or thresholdMetric, not both")
		sp.get("ratioMetric")
		sp.get("thresholdMetric")
	case sp.has("ratioMetric"):
		f.ratio(sp.get("ratioMetric"), sp.field("ratioMetric"), s)
	case sp.has("thresholdMetric"):
		s.thresholdKind = true
		if mf := f.metric(sp, "thresholdMetric", s, true, true, true); mf.ok {
			if s.obj.Kind != sli.Quality && !s.obj.Kind.HasThreshold() && s.kindOK {
				d.problem(s.kindNode, mf.field("metricSource.spec.kind"), "a thresholdMetric of kind %s cannot run: errbudget runs latency, ttft, tpot and quality as thresholds, the others as a ratioMetric", s.obj.Kind)
			}
		}
	default:
		d.problem(sp.line(), sp.field("ratioMetric"), "missing (errbudget reads ratioMetric or thresholdMetric)")
	}
	sp.finish("description, ratioMetric, thresholdMetric")
}

func (f *file) ratio(n *yaml.Node, path string, s *sloDoc) {
	d := f.d
	rf := d.mapping(n, path, "a ratio metric")
	if !rf.ok {
		return
	}
	if c, ok := rf.boolean("counter"); ok && !c {
		d.problem(rf.keyNode("counter"), rf.field("counter"), "errbudget's events are counters: counter: true")
	}
	rf.reject("raw", "a precomputed ratio cannot run: errbudget counts good and bad events")
	rf.reject("rawType", "a precomputed ratio cannot run: errbudget counts good and bad events")
	switch {
	case rf.has("good") && rf.has("bad"):
		d.problem(rf.keyNode("bad"), rf.field("bad"), "give good or bad, not both")
	case !rf.has("good") && !rf.has("bad"):
		d.problem(rf.line(), rf.field("good"), "missing (a ratio needs good or bad, and total)")
	}
	f.metric(rf, "good", s, false, false, false)
	f.metric(rf, "bad", s, false, false, false)
	f.metric(rf, "total", s, true, false, true)
	rf.finish("counter, good, bad, total")
}

// metric reads the metric under key and its source (see source).
func (f *file) metric(parent *fields, key string, s *sloDoc, main, threshold, required bool) *fields {
	mf := parent.sub(key, "a metric", required)
	if mf.ok {
		f.source(mf, s, main, threshold)
		mf.finish("metricSource")
	}
	return mf
}

// source reads a metricSource of type errbudget. The errbudget fields are
// read from the one that holds them (total, or a thresholdMetric's); the
// others carry the query only.
func (f *file) source(mf *fields, s *sloDoc, main, threshold bool) {
	d := f.d
	src := mf.sub("metricSource", "a metric source", true)
	if !src.ok {
		return
	}
	defer src.finish("type, spec")
	src.reject("metricSourceRef", "errbudget reads metric sources inline (type: errbudget)")
	typ, tn, ok := src.str("type", true)
	if ok && typ != SourceType {
		d.problem(tn, src.field("type"), "%q cannot run: errbudget makes its verdicts in-process; only type %q runs", typ, SourceType)
		src.get("spec")
		return
	}
	sp := src.sub("spec", "the metric source's spec", true)
	if !sp.ok {
		return
	}
	sp.str("query", false) // for other tools; errbudget's verdicts are its own
	if !main {
		sp.finish("query here (the other fields belong in total's spec)")
		return
	}
	defer sp.finish(sourceKeys)
	o := &s.obj
	kind, kn, kindOK := sp.str("kind", true)
	if kindOK {
		if err := o.Kind.UnmarshalText([]byte(kind)); err != nil {
			d.problem(kn, sp.field("kind"), "unknown kind %q (availability, latency, ttft, tpot, quality, custom)", kind)
			kindOK = false
		}
	}
	s.kindOK, s.kindNode = kindOK, kn
	if kindOK && o.Kind == sli.Custom && !f.cfg.acceptCustom {
		d.problem(kn, sp.field("kind"), "a custom objective's verdict is a Go function (Classify) that no file carries; decode with openslo.AcceptCustom() and set Classify")
	}
	if name, nn, ok := sp.str("objective", false); ok {
		if Name(name) != s.label {
			d.problem(nn, sp.field("objective"), "%q maps to %q, not to the SLO's name %q", name, Name(name), s.label)
		} else {
			o.Name = name
		}
	}
	if v, vn, ok := sp.str("threshold", false); ok {
		switch t, err := time.ParseDuration(v); {
		case threshold:
			d.problem(vn, sp.field("threshold"), "a thresholdMetric's threshold is the objective's value")
		case err != nil || t <= 0:
			d.problem(vn, sp.field("threshold"), "want a positive Go duration (\"2s\", \"300ms\"), got %q", v)
		case kindOK && !o.Kind.HasThreshold():
			d.problem(vn, sp.field("threshold"), "kind %s has no threshold", o.Kind)
		default:
			o.Threshold = t
		}
	} else if kindOK && o.Kind.HasThreshold() && !threshold && !sp.has("threshold") {
		d.problem(sp.line(), sp.field("threshold"), "missing (kind %s compares with a threshold)", o.Kind)
	}
	if v, vn, ok := sp.number("minScore", false); ok {
		switch {
		case threshold:
			d.problem(vn, sp.field("minScore"), "a thresholdMetric's minimum score is the objective's value")
		case kindOK && o.Kind != sli.Quality:
			d.problem(vn, sp.field("minScore"), "kind %s has no minimum score", o.Kind)
		default:
			o.MinScore = v
		}
	}
	if v, ok := sp.boolean("includeFailures"); ok {
		if v && kindOK && !o.Kind.HasThreshold() {
			d.problem(sp.keyNode("includeFailures"), sp.field("includeFailures"), "applies to latency kinds only")
		}
		o.IncludeFailures = v
	}
	if v, ok := sp.boolean("advisory"); ok {
		o.Advisory = v
	}
	if v, _, ok := sp.str("groupBy", false); ok {
		o.GroupBy = v
	}
	if v, vn, ok := sp.str("emptySlices", false); ok {
		// Checked against the budgeting method once the SLO's is read.
		s.emptyNode, s.emptyField = vn, sp.field("emptySlices")
		if err := o.EmptySlices.UnmarshalText([]byte(v)); err != nil {
			d.problem(vn, sp.field("emptySlices"), "want good, bad or skipped (how a slice without events counts), got %q", v)
		}
	}
	if v, vn, ok := sp.integer("maxGroups"); ok {
		switch {
		case v <= 0 || v > 1<<20:
			d.problem(vn, sp.field("maxGroups"), "want a positive number of groups, got %d", v)
		case o.GroupBy == "":
			d.problem(vn, sp.field("maxGroups"), "applies with groupBy only")
		default:
			o.MaxGroups = int(v)
		}
	}
}
