package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/promrules"
)

const gateHelp = `Usage: errbudget gate -prometheus URL (-service NAME | -f SOURCE) [flags] [OBJECTIVE...]

Asks Prometheus for the fleet's error budget of each named objective (all of
SOURCE's when none is named), from the rules that 'errbudget rules' writes,
and applies the same policy as a service's own gate (/slo/gate):

  - an objective (or group) whose budget is spent freezes releases, unless
    it is advisory;
  - a firing page alert makes it at_risk: reported, never freezing;
  - below the policy's minimum events in the period it is unjudged:
    reported, never freezing.

Exit 0 when releases are allowed, 1 when they are frozen (the reasons are
printed), 2 when the gate cannot tell: Prometheus unreachable or answering an
error, the rules not loaded, or no slo_events_total series for an objective.

Examples:
  errbudget gate -prometheus http://127.0.0.1:9090 -service checkout checkout-availability
  errbudget gate -prometheus http://prometheus:9090 -f slo.yaml
  errbudget gate -prometheus http://prometheus:9090 -f http://127.0.0.1:8080/slo/openslo completions-latency
  errbudget gate ... || { echo "error budget spent: release frozen"; exit 1; }

Objectives that budget time slices have no rules (errbudget rules -h): with -f,
the gate cannot tell (exit 2) when one is to be judged, unless
-skip-timeslices leaves out those SOURCE declares.
`

func gate(args []string, stdout, stderr io.Writer) int {
	fs := flags("gate", stderr)
	prom := fs.String("prometheus", "", "the Prometheus base URL, e.g. http://127.0.0.1:9090 (required)")
	service := fs.String("service", "", "the service name (sloth_service); default: SOURCE's")
	source := fs.String("f", "", "an OpenSLO file or a service's /slo/openslo URL: the service, its objectives and which are advisory")
	advisory := fs.String("advisory", "", "comma-separated objectives that never freeze releases (in addition to SOURCE's advisory ones)")
	minEvents := fs.Int64("min-events", budget.DefaultPolicyMinEvents, "the fewest events in the period before the policy judges an objective")
	atRisk := fs.Float64("at-risk-below", budget.DefaultAtRiskBelow, "the remaining budget at or below which an objective is at_risk (0 or less: never for a low budget)")
	ignorePages := fs.Bool("ignore-pages", false, "a firing page alert does not make an objective at_risk")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for Prometheus (and a URL SOURCE)")
	skip := fs.Bool("skip-timeslices", false, "judge SOURCE's other objectives when some budget time slices (which have no rules), instead of 'cannot tell'")
	if code, done := parse(fs, args, gateHelp, stdout); done {
		return code
	}
	if *prom == "" {
		fmt.Fprintln(stderr, "errbudget gate: -prometheus URL is required, e.g. -prometheus http://127.0.0.1:9090 (errbudget gate -h)")
		return exitUnknown
	}
	free := map[string]bool{}
	for _, a := range strings.Split(*advisory, ",") {
		if a = strings.TrimSpace(a); a != "" {
			free[a] = true
		}
	}
	names := fs.Args()
	if *source != "" {
		d, code := declarations(*source, *timeout, stderr)
		if code != exitOK {
			return exitUnknown
		}
		if *service == "" {
			*service = d.Service
		}
		declared := map[string]bool{}
		sliced := map[string]bool{}
		for _, o := range d.Objectives {
			declared[o.Name] = true
			if o.Advisory {
				free[o.Name] = true
			}
			if o.Budgeting.IsTimeslices() {
				sliced[o.Name] = true
				if fs.NArg() == 0 && *skip {
					fmt.Fprintf(stderr, "errbudget gate: skipped objective %q: it budgets time slices, which have no rules; its service's /slo/gate judges it\n", o.Name)
					continue
				}
			}
			if fs.NArg() == 0 {
				names = append(names, o.Name)
			}
		}
		for _, n := range names {
			if !declared[n] {
				fmt.Fprintf(stderr, "errbudget gate: %s declares no objective %q\n", *source, n)
				return exitUnknown
			}
			if sliced[n] {
				// Its rules do not exist: say why rather than "no rules".
				fmt.Fprintf(stderr, "errbudget gate: cannot tell: objective %q budgets time slices, for which 'errbudget rules' writes no rules; its service's /slo/gate judges it (name the other objectives, or give -skip-timeslices)\n", n)
				return exitUnknown
			}
		}
	}
	if *service == "" || len(names) == 0 {
		fmt.Fprintln(stderr, "errbudget gate: name the service and its objectives: -service NAME OBJECTIVE..., or -f SOURCE (errbudget gate -h)")
		return exitUnknown
	}
	if *minEvents <= 0 {
		fmt.Fprintln(stderr, "errbudget gate: -min-events must be positive")
		return exitUnknown
	}
	if !(*atRisk < 1) {
		fmt.Fprintf(stderr, "errbudget gate: -at-risk-below must be below 1 (a share of the budget, such as 0.25), got %v\n", *atRisk)
		return exitUnknown
	}
	if *atRisk == 0 {
		// The policy's zero value means its default (0.25); at risk at
		// or below nothing left is never, exhausted coming first.
		*atRisk = -1
	}
	policy := budget.Policy{AtRiskBelow: *atRisk, MinEvents: *minEvents, IgnorePages: *ignorePages}
	c := &promClient{base: strings.TrimSuffix(*prom, "/"), http: &http.Client{Timeout: *timeout}}
	var verdicts []verdict
	for _, n := range names {
		vs, err := judge(c, *service, n, policy, free[n])
		if err != nil {
			fmt.Fprintf(stderr, "errbudget gate: cannot tell: %v\n", err)
			return exitUnknown
		}
		verdicts = append(verdicts, vs...)
	}
	return report(verdicts, stdout)
}

// verdict is the policy's answer for one objective or group.
type verdict struct {
	objective, group string
	events           int64
	remaining        budget.Float
	period           string
	state            budget.PolicyState
	reason           budget.PolicyReason
	pages            []string // the page alerts firing
	advisory         bool
}

func (v verdict) freezes() bool { return v.state == budget.Exhausted && !v.advisory }

// judge asks Prometheus for one objective's period events, remaining budget
// and firing page alerts, per group, and applies the policy.
func judge(c *promClient, service, name string, p budget.Policy, advisory bool) ([]verdict, error) {
	id := promrules.ID(service, name)
	sel := "{" + promrules.LabelID + "=" + strconv.Quote(id) + "}"
	days, err := c.query(promrules.TimePeriodDays + sel)
	if err != nil {
		return nil, err
	}
	if len(days) == 0 {
		return nil, fmt.Errorf("no rules for objective %q of service %q in Prometheus (%s%s is absent): load the output of 'errbudget rules' into Prometheus's rule_files", name, service, promrules.TimePeriodDays, sel)
	}
	period := promrules.Window(time.Duration(math.Round(days[0].value*24*3600)) * time.Second)
	events, err := c.query(promrules.EventsPrefix + period + sel)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("no slo_events_total series for objective %q in Prometheus (%s%s%s is absent): are the replicas scraped, and do they declare this objective?", name, promrules.EventsPrefix, period, sel)
	}
	remaining, err := c.query(promrules.PeriodBudgetRemaining + sel)
	if err != nil {
		return nil, err
	}
	alerts, err := c.query(`ALERTS{` + promrules.LabelID + "=" + strconv.Quote(id) + `,alertstate="firing",` + promrules.LabelSeverity + `="page"}`)
	if err != nil {
		return nil, err
	}
	var out []verdict
	for _, e := range events {
		g := e.labels[promrules.LabelGroup]
		v := verdict{objective: name, group: g, period: period, advisory: advisory}
		if !math.IsNaN(e.value) {
			v.events = int64(math.Round(e.value))
		}
		for _, r := range remaining {
			if r.labels[promrules.LabelGroup] == g && !math.IsNaN(r.value) && !math.IsInf(r.value, 0) {
				v.remaining = budget.Float{Value: r.value, Valid: true}
			}
		}
		for _, a := range alerts {
			if a.labels[promrules.LabelGroup] == g {
				v.pages = append(v.pages, a.labels[promrules.LabelAlertName])
			}
		}
		slices.Sort(v.pages)
		v.state, v.reason = p.Explain(v.events, v.remaining, len(v.pages) > 0)
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b verdict) int { return strings.Compare(a.group, b.group) })
	return out, nil
}

// report prints the decision, then one line per objective or group, and
// returns the exit code.
func report(vs []verdict, w io.Writer) int {
	frozen := 0
	for _, v := range vs {
		if v.freezes() {
			frozen++
		}
	}
	if frozen > 0 {
		fmt.Fprintf(w, "release frozen: the fleet's error budget is spent for %d objective(s)\n", frozen)
	} else {
		fmt.Fprintln(w, "release allowed")
	}
	for _, v := range vs {
		name := v.objective
		if v.group != "" {
			name += " [" + promrules.LabelGroup + "=" + v.group + "]"
		}
		line := fmt.Sprintf("  %s: %s (%s), %d events in %s", name, v.state, v.reason, v.events, v.period)
		if v.remaining.Valid {
			line += ", budget remaining " + strconv.FormatFloat(v.remaining.Value, 'f', 4, 64)
		}
		if len(v.pages) > 0 {
			line += ", page alerts firing: " + strings.Join(v.pages, " ")
		}
		switch {
		case v.freezes():
			line += " — freezes releases"
		case v.state == budget.Exhausted:
			line += " — advisory: does not freeze"
		case v.reason == budget.ReasonInsufficientEvents:
			line += " — unjudged: too few events"
		}
		fmt.Fprintln(w, line)
	}
	if frozen > 0 {
		return exitFailed
	}
	return exitOK
}

// promClient runs instant queries against Prometheus's HTTP API.
type promClient struct {
	base string
	http *http.Client
}

type sample struct {
	labels map[string]string
	value  float64
}

// query runs an instant query at the server's now and returns its vector.
func (c *promClient) query(q string) ([]sample, error) {
	resp, err := c.http.Get(c.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, fmt.Errorf("prometheus unreachable: %w (is Prometheus running, and is -prometheus its base URL, such as http://127.0.0.1:9090? Retry once it answers)", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("reading prometheus's answer: %w", err)
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("prometheus answered %s with something that is not its API's JSON (is -prometheus the server's base URL?): %.200s", resp.Status, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("prometheus answered %s to %s: %s", resp.Status, q, r.Error)
	}
	if r.Data.ResultType != "vector" {
		return nil, fmt.Errorf("prometheus answered a %s to %s, want a vector", r.Data.ResultType, q)
	}
	out := make([]sample, 0, len(r.Data.Result))
	for _, x := range r.Data.Result {
		s, _ := x.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("prometheus answered the value %q to %s", s, q)
		}
		out = append(out, sample{labels: x.Metric, value: v})
	}
	return out, nil
}
