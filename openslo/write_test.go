package openslo_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
)

func TestName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"checkout", "checkout"},
		{"checkout-api-2", "checkout-api-2"},
		{"Checkout_API", "checkout-api"},
		{"GET /v1/chat", "get-v1-chat"},
		{"--a--", "a"},
		{"ünïcode", "n-code"},
		{"", "x-e3b0c442"},
		{"___", "x-bda25155"},
		{strings.Repeat("a", 63), strings.Repeat("a", 63)},
		{strings.Repeat("a", 64), strings.Repeat("a", 54) + "-ffe054fe"},
	} {
		got := openslo.Name(c.in)
		if got != c.want {
			t.Errorf("Name(%q) = %q, want %q", c.in, got, c.want)
		}
		if !openslo.IsName(got) {
			t.Errorf("Name(%q) = %q is not a label", c.in, got)
		}
		if openslo.Name(got) != got {
			t.Errorf("Name is not stable on %q", got)
		}
	}
	for _, s := range []string{"", "-a", "a-", "A", "a_b", "a.b", strings.Repeat("a", 64)} {
		if openslo.IsName(s) {
			t.Errorf("IsName(%q)", s)
		}
	}
}

// What a file cannot carry is reported, never written: no trace of the
// functions in the output.
func TestReportNotPortable(t *testing.T) {
	d := openslo.Declarations{Service: "svc", Objectives: []sli.Objective{
		{Name: "filtered", Target: 0.99, Include: func(sli.Event) bool { return true }},
		{Name: "judged", Kind: sli.Custom, Target: 0.99, Classify: func(sli.Event) sli.Outcome { return sli.Good }},
	}}
	b, rep, err := openslo.Marshal(d, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	want := []openslo.NotPortable{
		{Objective: "filtered", Field: "Include"},
		{Objective: "judged", Field: "Classify"},
	}
	if len(rep.NotPortable) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for i, w := range want {
		if g := rep.NotPortable[i]; g.Objective != w.Objective || g.Field != w.Field || g.Effect == "" {
			t.Errorf("not portable %d: %+v, want %+v", i, g, w)
		}
	}
	// The YAML says so in comments; nothing else mentions the functions.
	var body []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			body = append(body, l)
		}
	}
	if s := strings.Join(body, "\n"); strings.Contains(s, "Include") || strings.Contains(s, "Classify") {
		t.Errorf("the functions are mentioned outside the comments:\n%s", s)
	}
	if !strings.Contains(string(b), "# not portable: objective \"filtered\": Include") {
		t.Errorf("no comment for Include:\n%s", b)
	}
	// A custom objective reads back only when the reader is told.
	if _, err := openslo.Unmarshal(b); err == nil || !strings.Contains(err.Error(), "AcceptCustom") {
		t.Errorf("custom objective read without AcceptCustom: %v", err)
	}
	got, err := openslo.Unmarshal(b, openslo.AcceptCustom())
	if err != nil || got.Objectives[1].Kind != sli.Custom || got.Objectives[1].Classify != nil {
		t.Errorf("AcceptCustom: %+v, %v", got, err)
	}
}

// What cannot be written at all fails, every problem at once.
func TestMarshalFails(t *testing.T) {
	d := openslo.Declarations{Service: "svc",
		Objectives: []sli.Objective{
			{Name: "odd-window", Target: 0.99, Window: sli.Rolling(90*time.Minute + 30*time.Second)},
			{Name: "Same_Name", Target: 0.99},
			{Name: "same-name", Target: 0.99},
		},
		AlertRules: []budget.AlertRule{{Name: "odd", Severity: budget.Page, LongWindow: time.Hour + 30*time.Second, ShortWindow: 5 * time.Minute, BurnRate: 2}},
	}
	_, _, err := openslo.Marshal(d, openslo.YAML)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`objective "odd-window": window: 1h30m30s has no OpenSLO duration`, `"Same_Name" and "same-name" both map to "same-name"`, `alert rule "odd": long window: 1h0m30s`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, _, err := openslo.Marshal(openslo.Declarations{Objectives: []sli.Objective{{Name: "a", Target: 0.9}}}, openslo.YAML); err == nil {
		t.Error("no service, no error")
	}
}

// The short window travels in an annotation as a Go duration: any window
// the reader accepts (and the tracker runs) is written, so that a service
// started from such a file serves it at /slo/openslo. Regression: a short
// window of seconds was read, then could not be written.
func TestShortWindowSeconds(t *testing.T) {
	for _, w := range []string{"90s", "30s", "1m30s"} {
		d, err := openslo.Unmarshal([]byte(strings.Replace(valid, "short-window: 5m", "short-window: "+w, 1)))
		if err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		b, _, err := openslo.Marshal(d, openslo.YAML)
		if err != nil {
			t.Fatalf("%s: read, then not written: %v", w, err)
		}
		again, err := openslo.Unmarshal(b)
		if err != nil || !reflect.DeepEqual(again, d) {
			t.Errorf("%s: written back and read: %+v, %v; want %+v", w, again, err, d)
		}
	}
}

// A tracker with no alert rules writes a file that keeps it so; a file
// without policies otherwise leaves the defaults.
func TestNoAlertRules(t *testing.T) {
	objs := []sli.Objective{{Name: "a", Target: 0.99}}
	tr, err := budget.New(objs, budget.WithAlertRules(nil))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := openslo.Marshal(openslo.FromTracker(tr), openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	d, err := openslo.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if d.AlertRules == nil || len(d.AlertRules) != 0 {
		t.Fatalf("rules %#v, want none (empty, not nil)", d.AlertRules)
	}
	tr2, err := budget.New(d.Objectives, d.Options()...)
	if err != nil || len(tr2.AlertRules()) != 0 {
		t.Errorf("tracker from the file has rules %v (%v)", tr2.AlertRules(), err)
	}
	// Without the annotation: the defaults.
	b, _, err = openslo.Marshal(openslo.Declarations{Service: "s", Objectives: objs}, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := openslo.Unmarshal(b); err != nil || d.AlertRules != nil {
		t.Errorf("rules %#v, %v; want nil", d.AlertRules, err)
	}
}

// A threshold derived from a budget fraction is written for the common
// period and read back as the fraction; the description says so.
func TestThresholdPeriod(t *testing.T) {
	rule := budget.AlertRule{Name: "page", Severity: budget.Page, LongWindow: time.Hour, ShortWindow: 5 * time.Minute, BudgetConsumed: 0.02}
	for _, c := range []struct {
		window sli.Window
		want   string
	}{
		{sli.Rolling(28 * 24 * time.Hour), "threshold: 13.44"},
		{sli.Rolling(30 * 24 * time.Hour), "threshold: 14.4"},
		{sli.CalendarMonth("Europe/Berlin"), "threshold: 14.4"},
	} {
		d := openslo.Declarations{Service: "s", Objectives: []sli.Objective{{Name: "a", Target: 0.99, Window: c.window}}, AlertRules: []budget.AlertRule{rule}}
		b, _, err := openslo.Marshal(d, openslo.YAML)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%v: no %q in\n%s", c.window, c.want, b)
		}
		got, err := openslo.Unmarshal(b)
		if err != nil || !reflect.DeepEqual(got.AlertRules, d.AlertRules) {
			t.Errorf("%v: read back %+v, %v", c.window, got.AlertRules, err)
		}
	}
}

// A JSON file's problems carry their lines too.
func TestJSONLines(t *testing.T) {
	b, _, err := openslo.Marshal(declarations(), openslo.JSON)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), `"target": 0.999`, `"target": 1.2`, 1)
	_, err = openslo.Unmarshal([]byte(broken))
	var e *openslo.Error
	if !errors.As(err, &e) || len(e.Problems) != 1 || e.Problems[0].Line != lineOf(broken, `"target": 1.2`) {
		t.Errorf("want one problem at line %d, got %v", lineOf(broken, `"target": 1.2`), err)
	}
}

// Load names the file in every problem.
func TestLoad(t *testing.T) {
	path := t.TempDir() + "/slo.yaml"
	if err := writeFile(path, strings.Replace(valid, "target: 0.99", "target: 99", 1)); err != nil {
		t.Fatal(err)
	}
	_, err := openslo.Load(path)
	if err == nil || !strings.Contains(err.Error(), path+":29: SLO \"checkout\": spec.objectives[0].target") {
		t.Errorf("Load: %v", err)
	}
	if _, err := openslo.Load(path + ".missing"); err == nil {
		t.Error("a missing file loads")
	}
}

// A description longer than OpenSLO allows is cut at a character boundary,
// and reported.
func TestLongDescription(t *testing.T) {
	long := strings.Repeat("é", 600) // 1200 bytes
	b, rep, err := openslo.Marshal(openslo.Declarations{Service: "s", Objectives: []sli.Objective{{Name: "a", Target: 0.9, Description: long}}}, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Truncated, []string{"a"}) || rep.Empty() {
		t.Errorf("report %+v", rep)
	}
	d, err := openslo.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Objectives[0].Description; got != strings.Repeat("é", 525) {
		t.Errorf("description of %d bytes", len(got))
	}
}

// spec.query is PromQL over the exported counter: the good events, and a
// total of good and bad only (excluded events never count), summed by
// group for a grouped objective.
func TestQueries(t *testing.T) {
	b, _, err := openslo.Marshal(openslo.Declarations{Service: "s", Objectives: []sli.Objective{
		{Name: "Plain_Name", Target: 0.9},
		{Name: "grouped", Target: 0.9, GroupBy: "route"},
	}}, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`query: sum(slo_events_total{slo_name="Plain_Name",slo_outcome="good"})`,
		`query: sum(slo_events_total{slo_name="Plain_Name",slo_outcome=~"good|bad"})`,
		`query: sum by (slo_group) (slo_events_total{slo_name="grouped",slo_outcome="good"})`,
		`query: sum by (slo_group) (slo_events_total{slo_name="grouped",slo_outcome=~"good|bad"})`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %s in\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "excluded") {
		t.Errorf("a query counts excluded events:\n%s", b)
	}
}
