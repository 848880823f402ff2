package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/promrules"
	"github.com/errbudget/errbudget/sli"
)

func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func objectives() []sli.Objective {
	return []sli.Objective{
		{Name: "checkout-availability", Target: 0.999},
		{Name: "checkout-latency", Kind: sli.Latency, Target: 0.99, Threshold: 300 * time.Millisecond, GroupBy: "route"},
		{Name: "checkout-quality", Kind: sli.Quality, Target: 0.9, MinScore: 0.5, Advisory: true},
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := cli(t, "-h")
	if code != 0 || !strings.Contains(out, "Exit codes") {
		t.Errorf("-h: %d %q", code, out)
	}
	for _, c := range []string{"rules", "validate", "gate"} {
		code, out, _ := cli(t, c, "-h")
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "Flags:") {
			t.Errorf("%s -h: %d\n%s", c, code, out)
		}
		if code2, out2, _ := cli(t, "help", c); code2 != 0 || out2 != out {
			t.Errorf("help %s differs from %s -h", c, c)
		}
	}
	if code, _, errOut := cli(t); code != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("no args: %d %q", code, errOut)
	}
	if code, _, errOut := cli(t, "deploy"); code != 2 || !strings.Contains(errOut, `unknown command "deploy"`) {
		t.Errorf("unknown: %d %q", code, errOut)
	}
}

func writeDecl(t *testing.T) string {
	t.Helper()
	b, _, err := openslo.Marshal(openslo.Declarations{Service: "checkout", Objectives: objectives()}, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rules writes what promrules generates, from a file and from a running
// service's /slo/openslo alike.
func TestRules(t *testing.T) {
	want, err := promrules.Generate(objectives(), promrules.Config{Service: "checkout", AlertRules: budget.DefaultAlertRules()})
	if err != nil {
		t.Fatal(err)
	}
	path := writeDecl(t)
	code, out, errOut := cli(t, "rules", path)
	if code != 0 || out != string(want.Bytes()) {
		t.Errorf("rules FILE: %d %s\n%s", code, errOut, out)
	}

	tr, err := budget.New(objectives(), budget.WithService("checkout"))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/slo/", endpoint.New(tr))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	outFile := filepath.Join(t.TempDir(), "rules.yaml")
	code, _, errOut = cli(t, "rules", "-o", outFile, srv.URL+"/slo/openslo")
	got, _ := os.ReadFile(outFile)
	if code != 0 || string(got) != string(want.Bytes()) {
		t.Errorf("rules URL: %d %s\n%s", code, errOut, got)
	}

	code, out, _ = cli(t, "rules", "-service", "shop", "-matchers", `job="shop"`, path)
	if code != 0 || !strings.Contains(out, `sloth_id: "shop-checkout-availability"`) || !strings.Contains(out, `job="shop"}`) {
		t.Errorf("rules -service -matchers: %d", code)
	}
	if code, _, errOut := cli(t, "rules", srv.URL+"/nothing"); code != 2 || !strings.Contains(errOut, "404") {
		t.Errorf("rules of a wrong URL: %d %q", code, errOut)
	}
	if code, _, errOut := cli(t, "rules", "-matchers", "{x}", path); code != 1 || !strings.Contains(errOut, "without braces") {
		t.Errorf("rules with bad matchers: %d %q", code, errOut)
	}
	if code, _, _ := cli(t, "rules"); code != 2 {
		t.Errorf("rules without a source: %d", code)
	}
}

func TestValidate(t *testing.T) {
	good := writeDecl(t)
	code, out, _ := cli(t, "validate", good)
	if code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("valid file: %d %q", code, out)
	}
	src, _ := os.ReadFile(good)
	broken := strings.Replace(strings.Replace(string(src), "target: 0.999", "target: 1.2", 1), "duration: 30d", "duration: 30x", 1)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte(broken), 0o644)
	code, _, errOut := cli(t, "validate", good, bad)
	if code != 1 || !strings.Contains(errOut, "bad.yaml:") || strings.Count(errOut, "\n") < 2 {
		t.Errorf("broken file: %d\n%s", code, errOut)
	}
	if code, _, _ := cli(t, "validate", filepath.Join(t.TempDir(), "missing.yaml")); code != 2 {
		t.Errorf("missing file: %d", code)
	}
}

// fakeProm answers instant queries from a table of query → JSON result.
func fakeProm(t *testing.T, answers map[string]string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query().Get("query")
		res, ok := answers[q]
		if !ok {
			res = "[]"
		}
		if res == "error" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
			return
		}
		w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":` + res + `}}`))
	}))
}

func vec(samples ...string) string { return "[" + strings.Join(samples, ",") + "]" }

func smp(labels, value string) string {
	return `{"metric":{` + labels + `},"value":[1700000000,"` + value + `"]}`
}

const (
	idA = `"sloth_id":"checkout-checkout-availability"`
	idL = `"sloth_id":"checkout-checkout-latency"`
)

// The gate applies the in-process policy to the fleet's figures: spent
// freezes (exit 1), a page alert or too few events do not (exit 0), and it
// cannot tell (exit 2) without Prometheus, without the rules or without the
// counter's series.
func TestGate(t *testing.T) {
	base := map[string]string{
		`slo:time_period:days{sloth_id="checkout-checkout-availability"}`:                    vec(smp(idA, "30")),
		`errbudget:slo_events:increase30d{sloth_id="checkout-checkout-availability"}`:        vec(smp(idA, "100000.4")),
		`slo:period_error_budget_remaining:ratio{sloth_id="checkout-checkout-availability"}`: vec(smp(idA, "0.6")),
		`slo:time_period:days{sloth_id="checkout-checkout-latency"}`:                         vec(smp(idL, "30")),
		`errbudget:slo_events:increase30d{sloth_id="checkout-checkout-latency"}`: vec(
			smp(idL+`,"slo_group":"/a"`, "5000"), smp(idL+`,"slo_group":"/b"`, "99")),
		`slo:period_error_budget_remaining:ratio{sloth_id="checkout-checkout-latency"}`: vec(
			smp(idL+`,"slo_group":"/a"`, "0.9"), smp(idL+`,"slo_group":"/b"`, "-40")),
	}
	alerts := `ALERTS{sloth_id="checkout-checkout-availability",alertstate="firing",sloth_severity="page"}`
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	gateArgs := func(url string) []string {
		return []string{"gate", "-prometheus", url, "-service", "checkout", "checkout-availability", "checkout-latency"}
	}
	for _, c := range []struct {
		name    string
		answers map[string]string
		code    int
		says    []string
	}{
		{"healthy; a group below the minimum is unjudged, however spent", base, 0,
			[]string{"release allowed", "checkout-availability: healthy (budget_available), 100000 events in 30d, budget remaining 0.6000",
				"checkout-latency [slo_group=/b]: healthy (insufficient_events), 99 events", "unjudged"}},
		{"spent", with(`slo:period_error_budget_remaining:ratio{sloth_id="checkout-checkout-availability"}`, vec(smp(idA, "-0.25"))), 1,
			[]string{"release frozen", "checkout-availability: exhausted (budget_exhausted)", "freezes releases"}},
		{"page alert: at risk, not frozen", with(alerts, vec(smp(idA+`,"slo_alert_name":"page-1h","alertname":"ErrorBudgetBurn"`, "1"))), 0,
			[]string{"release allowed", "checkout-availability: at_risk (page_alert)", "page alerts firing: page-1h"}},
		{"no traffic in the period: unjudged", with(`errbudget:slo_events:increase30d{sloth_id="checkout-checkout-availability"}`, vec(smp(idA, "0"))), 0,
			[]string{"checkout-availability: healthy (insufficient_events), 0 events"}},
		{"rules not loaded", with(`slo:time_period:days{sloth_id="checkout-checkout-latency"}`, ""), 2,
			[]string{"cannot tell", "no rules for objective \"checkout-latency\"", "errbudget rules"}},
		{"counter absent", with(`errbudget:slo_events:increase30d{sloth_id="checkout-checkout-availability"}`, ""), 2,
			[]string{"cannot tell", "no slo_events_total series", "scraped"}},
		{"prometheus error", with(`slo:time_period:days{sloth_id="checkout-checkout-availability"}`, "error"), 2,
			[]string{"cannot tell", "parse error"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := fakeProm(t, c.answers)
			defer srv.Close()
			code, out, errOut := cli(t, gateArgs(srv.URL)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
			for _, s := range c.says {
				if !strings.Contains(out+errOut, s) {
					t.Errorf("output lacks %q:\n%s%s", s, out, errOut)
				}
			}
		})
	}

	// Advisory objectives never freeze, by flag or by declaration.
	srv := fakeProm(t, with(`slo:period_error_budget_remaining:ratio{sloth_id="checkout-checkout-availability"}`, vec(smp(idA, "-1"))))
	defer srv.Close()
	code, out, errOut := cli(t, "gate", "-prometheus", srv.URL, "-service", "checkout", "-advisory", "checkout-availability", "checkout-availability")
	if code != 0 || !strings.Contains(out, "advisory: does not freeze") {
		t.Errorf("advisory: %d\n%s%s", code, out, errOut)
	}
	// From a declaration file: the service, every objective, and which are
	// advisory (checkout-quality has no series here: cannot tell).
	code, _, errOut = cli(t, "gate", "-prometheus", srv.URL, "-f", writeDecl(t))
	if code != 2 || !strings.Contains(errOut, `"checkout-quality"`) {
		t.Errorf("-f: %d %s", code, errOut)
	}
	code, out, _ = cli(t, "gate", "-prometheus", srv.URL, "-f", writeDecl(t), "checkout-latency")
	if code != 0 || strings.Contains(out, "checkout-availability") {
		t.Errorf("-f with a name: %d\n%s", code, out)
	}

	// Prometheus stopped.
	url := srv.URL
	srv.Close()
	code, _, errOut = cli(t, gateArgs(url)...)
	if code != 2 || !strings.Contains(errOut, "prometheus unreachable") || !strings.Contains(errOut, "is Prometheus running") {
		t.Errorf("stopped: %d %q", code, errOut)
	}
	if code, _, errOut := cli(t, "gate", "-service", "x", "y"); code != 2 || !strings.Contains(errOut, "-prometheus URL is required") {
		t.Errorf("no -prometheus: %d %q", code, errOut)
	}
}

// A flag error goes to standard error with a pointer to the help, and
// nothing to standard output: 'errbudget rules -bogus slo.yaml > rules.yaml'
// must not leave the help text in the rule file.
func TestFlagErrorsLeaveStdoutEmpty(t *testing.T) {
	for _, c := range []string{"rules", "validate", "gate"} {
		code, out, errOut := cli(t, c, "-bogus", "x")
		if code != 2 || out != "" {
			t.Errorf("%s -bogus: exit %d, want 2, and standard output %q, want nothing", c, code, out)
		}
		if !strings.Contains(errOut, "-bogus") || !strings.Contains(errOut, "errbudget "+c+" -h") {
			t.Errorf("%s -bogus: standard error %q, want the flag and a pointer to 'errbudget %s -h'", c, errOut, c)
		}
	}
}

// -at-risk-below 0 means what it says (at risk only with nothing left,
// which is exhausted), not the policy's zero value, the default 0.25; a
// value of 1 or more is refused, as budget.Policy refuses it.
func TestGateAtRiskBelowZero(t *testing.T) {
	srv := fakeProm(t, map[string]string{
		`slo:time_period:days{sloth_id="checkout-checkout-availability"}`:                    vec(smp(idA, "30")),
		`errbudget:slo_events:increase30d{sloth_id="checkout-checkout-availability"}`:        vec(smp(idA, "1000")),
		`slo:period_error_budget_remaining:ratio{sloth_id="checkout-checkout-availability"}`: vec(smp(idA, "0.1")),
	})
	defer srv.Close()
	args := []string{"gate", "-prometheus", srv.URL, "-service", "checkout"}
	if code, out, errOut := cli(t, append(args, "checkout-availability")...); code != 0 || !strings.Contains(out, "at_risk (budget_low)") {
		t.Errorf("default: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, append(args, "-at-risk-below", "0", "checkout-availability")...); code != 0 || !strings.Contains(out, "healthy (budget_available)") {
		t.Errorf("-at-risk-below 0: exit %d, want healthy\n%s%s", code, out, errOut)
	}
	if code, _, errOut := cli(t, append(args, "-at-risk-below", "1", "checkout-availability")...); code != 2 || !strings.Contains(errOut, "-at-risk-below") {
		t.Errorf("-at-risk-below 1: exit %d, want 2 and a message\n%s", code, errOut)
	}
}

// An objective the declarations mark advisory never freezes the fleet's
// releases, whatever its budget (TestGate covers -advisory).
func TestGateAdvisoryFromDeclarations(t *testing.T) {
	idQ := `"sloth_id":"checkout-checkout-quality"`
	srv := fakeProm(t, map[string]string{
		`slo:time_period:days{sloth_id="checkout-checkout-quality"}`:                    vec(smp(idQ, "30")),
		`errbudget:slo_events:increase30d{sloth_id="checkout-checkout-quality"}`:        vec(smp(idQ, "5000")),
		`slo:period_error_budget_remaining:ratio{sloth_id="checkout-checkout-quality"}`: vec(smp(idQ, "-3")),
	})
	defer srv.Close()
	code, out, errOut := cli(t, "gate", "-prometheus", srv.URL, "-f", writeDecl(t), "checkout-quality")
	if code != 0 || !strings.Contains(out, "checkout-quality: exhausted") || !strings.Contains(out, "advisory: does not freeze") {
		t.Errorf("advisory by declaration: exit %d, want 0\n%s%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "gate", "-prometheus", srv.URL, "-service", "checkout", "checkout-quality")
	if code != 1 {
		t.Errorf("the same objective without its declaration: exit %d, want 1\n%s%s", code, out, errOut)
	}
}

// writeSliceDecl writes the declarations of objectives() plus a time-slice
// objective.
func writeSliceDecl(t *testing.T) string {
	t.Helper()
	objs := append(objectives(), sli.Objective{Name: "good-minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95})
	b, _, err := openslo.Marshal(openslo.Declarations{Service: "checkout", Objectives: objs}, openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rules refuses a file with a time-slice objective, saying why and how to
// go on; with -skip-timeslices it writes the other objectives' rules, the
// same as without the time-slice objective, and names what it left out.
func TestRulesTimeslices(t *testing.T) {
	path := writeSliceDecl(t)
	code, out, errOut := cli(t, "rules", path)
	if code != 1 || out != "" || !strings.Contains(errOut, `objective "good-minutes": timeslices budgeting (slices of 1m0s) has no Prometheus rules`) || !strings.Contains(errOut, "-skip-timeslices") {
		t.Errorf("rules with a time-slice objective: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "rules", "-skip-timeslices", path)
	want, err := promrules.Generate(objectives(), promrules.Config{Service: "checkout", AlertRules: budget.DefaultAlertRules()})
	if err != nil {
		t.Fatal(err)
	}
	wantBody := string(want.Bytes())
	wantBody = wantBody[strings.Index(wantBody, "groups:"):]
	if code != 0 || !strings.HasSuffix(out, wantBody) || !strings.Contains(out, `# Skipped: objective "good-minutes"`) {
		t.Errorf("rules -skip-timeslices: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, `skipped objective "good-minutes": it budgets time slices`) {
		t.Errorf("rules -skip-timeslices: standard error %q", errOut)
	}

	// The same from a running service's /slo/openslo.
	tr, err := budget.New(append(objectives(), sli.Objective{Name: "good-minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95}), budget.WithService("checkout"))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	mux := http.NewServeMux()
	mux.Handle("/slo/", endpoint.New(tr))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if code, _, errOut := cli(t, "rules", srv.URL+"/slo/openslo"); code != 1 || !strings.Contains(errOut, `objective "good-minutes": timeslices budgeting`) {
		t.Errorf("rules URL with a time-slice objective: exit %d\n%s", code, errOut)
	}
	code, out, errOut = cli(t, "rules", "-skip-timeslices", srv.URL+"/slo/openslo")
	if code != 0 || !strings.HasSuffix(out, wantBody) {
		t.Errorf("rules -skip-timeslices URL: exit %d\n%s", code, errOut)
	}
}

// The gate cannot tell for a time-slice objective (it has no rules) and
// says why; -skip-timeslices judges the others SOURCE declares.
func TestGateTimeslices(t *testing.T) {
	srv := fakeProm(t, map[string]string{
		`slo:time_period:days{sloth_id="checkout-checkout-availability"}`:                    vec(smp(idA, "30")),
		`errbudget:slo_events:increase30d{sloth_id="checkout-checkout-availability"}`:        vec(smp(idA, "1000")),
		`slo:period_error_budget_remaining:ratio{sloth_id="checkout-checkout-availability"}`: vec(smp(idA, "0.9")),
	})
	defer srv.Close()
	path := writeSliceDecl(t)
	for _, args := range [][]string{
		{"gate", "-prometheus", srv.URL, "-f", path},
		{"gate", "-prometheus", srv.URL, "-f", path, "good-minutes"},
		{"gate", "-prometheus", srv.URL, "-f", path, "-skip-timeslices", "good-minutes"},
	} {
		code, out, errOut := cli(t, args...)
		if code != 2 || !strings.Contains(errOut, `cannot tell: objective "good-minutes" budgets time slices, for which 'errbudget rules' writes no rules`) {
			t.Errorf("%v: exit %d\n%s%s", args[4:], code, out, errOut)
		}
	}
	code, out, errOut := cli(t, "gate", "-prometheus", srv.URL, "-f", path, "-skip-timeslices", "checkout-availability")
	if code != 0 || !strings.Contains(out, "checkout-availability: healthy") {
		t.Errorf("a named occurrence objective: exit %d\n%s%s", code, out, errOut)
	}
	// Every objective SOURCE declares but the time-slice one: the others
	// have no series here, so the gate cannot tell, about them.
	code, _, errOut = cli(t, "gate", "-prometheus", srv.URL, "-f", path, "-skip-timeslices")
	if code != 2 || !strings.Contains(errOut, `skipped objective "good-minutes"`) || strings.Contains(errOut, `cannot tell: objective "good-minutes"`) || !strings.Contains(errOut, `"checkout-latency"`) {
		t.Errorf("-skip-timeslices: exit %d\n%s", code, errOut)
	}
}
