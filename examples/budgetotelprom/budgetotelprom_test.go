// Package budgetotelprom_test checks budgetotel through the OpenTelemetry
// Prometheus exporter: the names a Prometheus server scrapes are the ones
// docs/contract.md promises. It lives in the examples module so that the
// Prometheus client never enters the library's go.mod.
package budgetotelprom_test

import (
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgetotel"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/sli"
)

// sample is one scraped line: its metric name, labels and value.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var lineRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
var labelRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

func scrape(t *testing.T, reg *prometheus.Registry) (samples []sample, types map[string]string) {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	types = map[string]string{}
	for _, line := range strings.Split(string(body), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			types[f[2]] = f[3]
			continue
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, l := range labelRE.FindAllStringSubmatch(m[2], -1) {
			s.labels[l[1]] = l[2]
		}
		samples = append(samples, s)
	}
	if len(samples) == 0 {
		t.Fatalf("nothing scraped:\n%s", body)
	}
	return samples, types
}

// find returns the value of the sample named name whose labels include
// want, and whether there is one.
func find(samples []sample, name string, want map[string]string) (float64, bool) {
	for _, s := range samples {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range want {
			if s.labels[k] != v {
				ok = false
			}
		}
		if ok {
			return s.value, true
		}
	}
	return 0, false
}

func TestPrometheusExporterNames(t *testing.T) {
	clk := budgettest.NewClock(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	tr, err := budget.New([]sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "chat", Target: 0.99, GroupBy: "model"},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	budgettest.Traffic{Rate: 10, ErrorRatio: 0.01}.Run(clk, api, time.Hour) // 35,640 good, 360 bad
	gpt, _ := tr.Series("chat", "gpt")
	gpt.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Good}, 999)
	gpt.RecordN(sli.Event{Time: clk.Now(), Outcome: sli.Bad}, 1)

	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	r, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	samples, types := scrape(t, reg)
	for name, typ := range map[string]string{
		"slo_events_total":                 "counter",
		"slo_objective_ratio":              "gauge",
		"slo_sli_ratio":                    "gauge",
		"slo_error_budget_remaining_ratio": "gauge",
		"slo_burn_rate_ratio":              "gauge",
		"slo_alert_firing_ratio":           "gauge",
	} {
		if types[name] != typ {
			t.Errorf("# TYPE %s is %q, want %q", name, types[name], typ)
		}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"slo_events_total", map[string]string{"slo_name": "api", "slo_outcome": "good"}, 35640},
		{"slo_events_total", map[string]string{"slo_name": "api", "slo_outcome": "bad"}, 360},
		{"slo_events_total", map[string]string{"slo_name": "chat", "slo_group": "gpt", "slo_outcome": "bad"}, 1},
		{"slo_objective_ratio", map[string]string{"slo_name": "api"}, 0.999},
		{"slo_sli_ratio", map[string]string{"slo_name": "api"}, 0.99},
		{"slo_error_budget_remaining_ratio", map[string]string{"slo_name": "api"}, -9},
		{"slo_error_budget_remaining_ratio", map[string]string{"slo_name": "chat", "slo_group": "gpt"}, 0.9},
		{"slo_burn_rate_ratio", map[string]string{"slo_name": "api", "slo_window": "1h"}, 10},
		{"slo_burn_rate_ratio", map[string]string{"slo_name": "api", "slo_window": "period"}, 10},
		{"slo_alert_firing_ratio", map[string]string{"slo_name": "api", "slo_alert_name": "page-6h", "slo_alert_severity": "page"}, 1},
		{"slo_alert_firing_ratio", map[string]string{"slo_name": "api", "slo_alert_name": "page-1h", "slo_alert_severity": "page"}, 0},
	} {
		got, ok := find(samples, c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// The ungrouped objective carries no slo_group label.
	for _, s := range samples {
		if s.labels["slo_name"] == "api" {
			if _, ok := s.labels["slo_group"]; ok {
				t.Errorf("%s%v has slo_group", s.name, s.labels)
			}
		}
	}
}

// Issue 17: a time-slice objective's budget in time scrapes as
// slo_error_budget_allowed_seconds and slo_error_budget_spent_seconds, the
// names docs/contract.md promises; an occurrence objective has neither.
func TestPrometheusExporterSliceNames(t *testing.T) {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	clk := budgettest.NewClock(start)
	tr, err := budget.New([]sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "minutes", Target: 0.999, Budgeting: sli.Timeslices, SliceTarget: 0.95},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	minutes, _ := tr.Series("minutes", "")
	for m := range 60 { // an hour of 60 calls a minute, all failing over minutes 20–31
		at := start.Add(time.Duration(m)*time.Minute + 30*time.Second)
		clk.Set(at)
		outcome := sli.Good
		if m >= 20 && m < 32 {
			outcome = sli.Bad
		}
		api.RecordN(sli.Event{Time: at, Outcome: outcome}, 60)
		minutes.RecordN(sli.Event{Time: at, Outcome: outcome}, 60)
	}
	clk.Set(start.Add(time.Hour))

	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	r, err := budgetotel.New(tr, budgetotel.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	samples, types := scrape(t, reg)
	for _, c := range []struct {
		name string
		want float64
	}{
		{"slo_error_budget_allowed_seconds", 2592}, // 43.2 minutes
		{"slo_error_budget_spent_seconds", 720},    // 12 bad minutes
	} {
		if types[c.name] != "gauge" {
			t.Errorf("# TYPE %s is %q, want gauge", c.name, types[c.name])
		}
		if got, ok := find(samples, c.name, map[string]string{"slo_name": "minutes"}); !ok || got != c.want {
			t.Errorf("%s{slo_name=minutes} = %v (found %v), want %v", c.name, got, ok, c.want)
		}
		if _, ok := find(samples, c.name, map[string]string{"slo_name": "api"}); ok {
			t.Errorf("%s{slo_name=api}: an occurrence objective has no budget in time", c.name)
		}
	}
}
