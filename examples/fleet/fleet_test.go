// Package fleet_test runs three replicas of the demo and a real Prometheus
// with the rules errbudget generates, and checks the fleet's figures against
// the known truth and the replicas' own counts (docs/fleet.md).
package fleet_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The demo's objectives, as its /slo/openslo declares them.
const (
	availability = "completions-availability"
	latency      = "completions-latency"
)

var demoObjectives = []string{availability, latency, "completions-ttft", "completions-quality"}

// fleet is the processes of one test: replicas, Prometheus and the tools.
type fleet struct {
	t        *testing.T
	dir      string
	demo     string // binaries
	cli      string
	replicas []*replica
	prom     *exec.Cmd
	promURL  string
}

type replica struct {
	addr, state string
	cmd         *exec.Cmd
}

func (r *replica) url() string { return "http://" + r.addr }

// TestFleet is the end-to-end test of issue 15. It takes about half a
// minute: Prometheus scrapes every second and evaluates the rules every
// second; the demo and the command are built once.
func TestFleet(t *testing.T) {
	if raceEnabled {
		t.Skip("the fleet test runs in the plain pass: it exercises other processes, not this one")
	}
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("ERRBUDGET_REQUIRE_PROMETHEUS") != "" {
			t.Fatalf("prometheus not found and ERRBUDGET_REQUIRE_PROMETHEUS is set: %v", err)
		}
		t.Skip("prometheus not found (Debian: apt-get install --no-install-recommends prometheus); skipping the fleet test")
	}
	if testing.Short() {
		t.Skip("the fleet test starts four processes; skipped with -short")
	}
	f := &fleet{t: t, dir: t.TempDir()}
	f.demo = f.build("github.com/errbudget/errbudget/examples/inference", "demo")
	f.cli = f.build("github.com/errbudget/errbudget/cmd/errbudget", "errbudget")

	for i := range 3 {
		r := &replica{addr: freeAddr(t), state: filepath.Join(f.dir, fmt.Sprintf("replica%d.state", i+1))}
		f.replicas = append(f.replicas, r)
		f.start(r)
	}
	for _, r := range f.replicas {
		f.waitHTTP(r.url() + "/slo")
	}

	// The rules, from a running replica's own declarations.
	rules := filepath.Join(f.dir, "rules.yaml")
	if code, out := f.run(f.cli, "rules", "-o", rules, f.replicas[0].url()+"/slo/openslo"); code != 0 {
		t.Fatalf("errbudget rules: exit %d\n%s", code, out)
	}
	f.startPrometheus(promBin, rules)
	promReady := time.Now()

	// Traffic with a known truth: each replica 300 non-streaming calls of
	// which 12, 18 and 24 fail (5xx), and 20 streaming calls that succeed.
	// Availability counts all 320 calls of each: 54 bad of 960.
	bad := []int{12, 18, 24}
	const calls, streams = 300, 20
	var wg sync.WaitGroup
	for i, r := range f.replicas {
		wg.Add(3)
		go func() { defer wg.Done(); f.send(r, calls-bad[i], "X-Simulate-Latency: 1ms", false) }()
		go func() { defer wg.Done(); f.send(r, bad[i], "X-Simulate-Status: 500", false) }()
		go func() { defer wg.Done(); f.send(r, streams, "X-Simulate-Latency: 1ms", true) }()
	}
	wg.Wait()
	truthBad, truthTotal := 12.0+18+24, 3.0*(calls+streams)
	truth := truthBad / truthTotal

	// The replicas' own counts add up to the truth exactly (their status is
	// computed at most once a second: poll).
	var sumGood, sumBad int64
	f.eventually("the replicas' /slo counts add up to the truth", func() (bool, string) {
		sumGood, sumBad = 0, 0
		for _, r := range f.replicas {
			ev := f.status(r, availability).Events
			sumGood += ev.Good
			sumBad += ev.Bad
		}
		return float64(sumBad) == truthBad && float64(sumGood+sumBad) == truthTotal,
			fmt.Sprintf("the replicas count %d bad of %d; sent %v of %v", sumBad, sumGood+sumBad, truthBad, truthTotal)
	})

	// Prometheus has scraped every event, and the 5m window reaches back at
	// least 15 s into the series: increase() then extrapolates each
	// replica's count by a factor between 1 and 1 + 1.1 s / 15 s (it never
	// extrapolates a counter below zero, and the series start at zero). Good
	// and bad of one replica share the factor; across replicas, whose error
	// ratios here are 3.75%, 5.6% and 7.5%, the fleet's ratio moves by at
	// most 0.8% of itself. The tolerance, 2%, is above that bound.
	f.eventually("every event scraped", func() (bool, string) {
		v := f.value(`sum(slo_events_total{slo_name="` + availability + `"})`)
		return v == truthTotal, fmt.Sprintf("scraped %v of %v", v, truthTotal)
	})
	for time.Since(promReady) < 17*time.Second {
		// Real time is inherent: a real Prometheus scraping real processes on the wall clock.
		time.Sleep(200 * time.Millisecond) // until the window holds 15 s of samples
	}
	const tolerance = 0.02
	ratio5m := `slo:sli_error:ratio_rate5m{sloth_slo="` + availability + `"}`
	f.eventually("the fleet's 5m error ratio within 2% of the truth", func() (bool, string) {
		v := f.value(ratio5m)
		return math.Abs(v-truth) <= tolerance*truth, fmt.Sprintf("%s = %v, truth %v (replicas' /slo: %d/%d)", ratio5m, v, truth, sumBad, sumGood+sumBad)
	})
	v := f.value(ratio5m)
	replicas := float64(sumBad) / float64(sumGood+sumBad)
	if math.Abs(v-replicas) > tolerance*replicas {
		t.Errorf("fleet 5m error ratio %v, the replicas' /slo counts give %v", v, replicas)
	}
	t.Logf("fleet 5m error ratio %.6f; truth and replicas' /slo %.6f (%.2f%% apart)", v, truth, 100*math.Abs(v-truth)/truth)

	// The replicas page in-process (5.6% errors is 56 times the budget of
	// 0.999), and so does the fleet: the tracker's page-1h rule in ALERTS.
	for i, r := range f.replicas {
		if !f.firing(r, availability, "page-1h") {
			t.Errorf("replica %d: page-1h not firing in-process", i+1)
		}
	}
	f.eventually("page-1h in ALERTS", func() (bool, string) {
		n := len(f.query(`ALERTS{alertstate="firing",alertname="ErrorBudgetBurn",sloth_slo="` + availability + `",slo_alert_name="page-1h",sloth_severity="page"}`))
		return n == 1, fmt.Sprintf("%d series", n)
	})

	// What Sloth's UI (v0.16, sloth server) and Grafana dashboards 14348
	// and 14643 query returns data for every objective.
	f.eventually("Sloth's queries answer for every objective", func() (bool, string) {
		return f.slothQueries()
	})

	// The fleet gate: the availability budget is spent (frozen, exit 1); the
	// latency objective is healthy (exit 0).
	if code, out := f.run(f.cli, "gate", "-prometheus", f.promURL, "-f", f.replicas[0].url()+"/slo/openslo"); code != 1 ||
		!strings.Contains(out, availability+": exhausted") {
		t.Errorf("gate with the budget spent: exit %d, want 1\n%s", code, out)
	}
	if code, out := f.run(f.cli, "gate", "-prometheus", f.promURL, "-f", f.replicas[0].url()+"/slo/openslo", latency); code != 0 {
		t.Errorf("gate on a healthy objective: exit %d, want 0\n%s", code, out)
	}

	f.killReplica(truthTotal)

	// Prometheus stopped: the gate cannot tell.
	svc := f.service()
	f.prom.Process.Signal(syscall.SIGTERM)
	f.prom.Wait()
	if code, out := f.run(f.cli, "gate", "-prometheus", f.promURL, "-service", svc, availability); code != 2 {
		t.Errorf("gate with Prometheus stopped: exit %d, want 2\n%s", code, out)
	}
}

// killReplica SIGKILLs replica 2 after a snapshot and after Prometheus has
// scraped events the snapshot does not hold, restarts it on the same state
// file, and checks that increase() counts each event once: the replica's,
// and the fleet's as the rules record it (what the guards and the gate
// read). fleetBefore is the fleet's events before.
// Before slo.events counted this process's events only, the restarted
// replica exported the restored total: Prometheus read the fall from the
// pre-kill value as a counter reset and added the restored total again.
func (f *fleet) killReplica(fleetBefore float64) {
	t := f.t
	r := f.replicas[1]
	sel := `slo_events_total{slo_name="` + availability + `",instance="` + r.addr + `"}`
	before := f.status(r, availability).Events.Total
	// A snapshot taken after the traffic above.
	f.eventually("a snapshot with the replica's events", func() (bool, string) {
		st, err := os.Stat(r.state)
		return err == nil && time.Since(st.ModTime()) < 500*time.Millisecond, "waiting for the next snapshot"
	})
	const afterSnapshot = 50
	f.send(r, afterSnapshot, "X-Simulate-Latency: 1ms", false)
	f.eventually("events after the snapshot scraped", func() (bool, string) {
		v := f.value("sum(" + sel + ")")
		return v == float64(before+afterSnapshot), fmt.Sprintf("scraped %v, want %v", v, before+afterSnapshot)
	})
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	r.cmd.Wait()
	f.start(r)
	f.waitHTTP(r.url() + "/slo")
	restored := f.status(r, availability).Events.Total
	if restored < before {
		t.Errorf("replica restarted with %d events in its budget, want at least the %d of the snapshot", restored, before)
	}
	const afterRestart = 30
	f.send(r, afterRestart, "X-Simulate-Latency: 1ms", false)
	// The export and /slo share one status computation, which serves for
	// a second: the /slo read above may still answer the first scrape.
	var exported float64
	f.eventually("the restarted replica's /metrics with its own events", func() (bool, string) {
		exported = f.exported(r)
		return exported == afterRestart, fmt.Sprintf("slo_events_total = %v on its /metrics, want %d: this process's events only", exported, afterRestart)
	})
	f.eventually("the restarted replica scraped", func() (bool, string) {
		v := f.value("sum(" + sel + ")")
		return v == exported, fmt.Sprintf("slo_events_total of the restarted replica = %v in Prometheus, %v on its /metrics", v, exported)
	})
	truth := float64(before + afterSnapshot + afterRestart)
	// An hour's window holds every sample of the test, which starts at
	// zero: increase() extrapolates only at the end, by at most 1.1 s over
	// the series' age (a few percent); counting the restored total again
	// would add the whole snapshot, 320 events, more than half of the truth.
	inc := f.value("sum(increase(" + sel + "[1h]))")
	if inc < truth || inc > truth*1.05 {
		t.Errorf("increase over the kill = %v, truth %v (restored total counted again would give about %v)", inc, truth, truth+float64(before))
	}
	// The fleet's: every replica's events once (the other two replicas'
	// series are as old and extrapolate alike). Queried now, after every
	// event was scraped; a recording could be from an evaluation before
	// the restarted replica's scrape, within the tolerance by extrapolation.
	fleetTruth := fleetBefore + afterSnapshot + afterRestart
	fleetInc := f.value(`sum(increase(slo_events_total{slo_name="` + availability + `"}[1h]))`)
	if fleetInc < fleetTruth || fleetInc > fleetTruth*1.05 {
		t.Errorf("the fleet's increase over the kill = %v, truth %v (the restored total counted again would give about %v)", fleetInc, fleetTruth, fleetTruth+float64(before))
	}
	t.Logf("replica 2 killed after %d+%d events, restarted with %d in its budget, %d more: increase %.1f, truth %.0f; the fleet's %.1f, truth %.0f",
		before, afterSnapshot, restored, afterRestart, inc, truth, fleetInc, fleetTruth)
}

// slothQueries runs the queries Sloth v0.16's UI and its Grafana
// dashboards run (research notes §2.3) and reports whether each answers for
// every objective. The dashboards' "month error budget burn chart" is left
// out: its subquery samples whole hours ([32d:1h]), and a Prometheus a
// minute old holds none.
func (f *fleet) slothQueries() (bool, string) {
	svc := f.service()
	ids := map[string]string{}
	for _, o := range demoObjectives {
		ids[o] = svc + "-" + o
	}
	var missing []string
	// has: the query answers for objective o, by its sloth_id (queries
	// over every objective) or at all (queries that select o).
	has := func(q string, o string) {
		for _, s := range f.query(q) {
			if id, ok := s.labels["sloth_id"]; !ok || id == ids[o] {
				return
			}
		}
		missing = append(missing, fmt.Sprintf("%s for %s", q, o))
	}
	for _, o := range demoObjectives {
		id := strconv.Quote(ids[o])
		has(`sloth_slo_info{sloth_id!=""}`, o)
		has(`max(slo:time_period:days{sloth_id!=""}) by (sloth_id)`, o)
		has(`count({__name__=~"^slo:sli_error:ratio_rate.*"}) by (__name__, sloth_id)`, o)
		has(`slo:period_error_budget_remaining:ratio{sloth_id!=""}`, o)
		has(`1 - (max(slo:sli_error:ratio_rate5m{sloth_id=`+id+`}))`, o)
		has(`slo:current_burn_rate:ratio{sloth_service="`+svc+`",sloth_slo="`+o+`"}`, o)
		has(`slo:sli_error:ratio_rate1h{sloth_service="`+svc+`",sloth_slo="`+o+`"}`, o)
		has(`slo:sli_error:ratio_rate30d{sloth_service="`+svc+`",sloth_slo="`+o+`"}`, o)
		has(`slo:error_budget:ratio{sloth_service="`+svc+`",sloth_slo="`+o+`"}`, o)
	}
	if len(f.query(`ALERTS{sloth_id!=""}`)) == 0 {
		missing = append(missing, `ALERTS{sloth_id!=""}`)
	}
	return len(missing) == 0, "no data: " + strings.Join(missing, "; ")
}

// service is the demo's service name, as the rules carry it.
func (f *fleet) service() string {
	for _, s := range f.query(`sloth_slo_info`) {
		return s.labels["sloth_service"]
	}
	f.t.Fatal("no sloth_slo_info in Prometheus")
	return ""
}

func (f *fleet) build(pkg, name string) string {
	out := filepath.Join(f.dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		f.t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func (f *fleet) run(bin string, args ...string) (int, string) {
	cmd := exec.Command(bin, args...)
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(b)
	}
	if err != nil {
		f.t.Fatalf("%s: %v", bin, err)
	}
	return 0, string(b)
}

// start runs a replica with no built-in load, no random failures and a
// snapshot every 5 s (time enough, after one, to send and scrape events it
// does not hold before killing the replica), its output in the test's directory.
func (f *fleet) start(r *replica) {
	log, err := os.OpenFile(r.state+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		f.t.Fatal(err)
	}
	r.cmd = exec.Command(f.demo, "-addr", r.addr, "-load", "0", "-fail-rate", "0", "-low-quality-rate", "0",
		"-state", r.state, "-snapshot-interval", "5s")
	r.cmd.Stdout, r.cmd.Stderr = log, log
	if err := r.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	cmd := r.cmd
	f.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		log.Close()
	})
}

func (f *fleet) startPrometheus(bin, rules string) {
	addr := freeAddr(f.t)
	f.promURL = "http://" + addr
	var targets []string
	for _, r := range f.replicas {
		targets = append(targets, strconv.Quote(r.addr))
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: demo
    static_configs:
      - targets: [%s]
`, rules, strings.Join(targets, ", "))
	path := filepath.Join(f.dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		f.t.Fatal(err)
	}
	log, _ := os.Create(filepath.Join(f.dir, "prometheus.log"))
	f.prom = exec.Command(bin, "--config.file="+path, "--storage.tsdb.path="+filepath.Join(f.dir, "tsdb"),
		"--storage.tsdb.retention.time=31d", "--web.listen-address="+addr)
	f.prom.Stdout, f.prom.Stderr = log, log
	if err := f.prom.Start(); err != nil {
		f.t.Fatal(err)
	}
	prom := f.prom
	f.t.Cleanup(func() {
		if prom.ProcessState == nil {
			prom.Process.Kill()
			prom.Wait()
		}
		log.Close()
		if f.t.Failed() {
			b, _ := os.ReadFile(log.Name())
			f.t.Logf("prometheus log (tail):\n%s", tail(b, 3000))
		}
	})
	f.waitHTTP(f.promURL + "/-/ready")
	f.eventually("three replicas up", func() (bool, string) {
		v := f.value(`sum(up{job="demo"})`)
		return v == 3, fmt.Sprintf("sum(up) = %v", v)
	})
}

// send makes n calls to the replica, eight at a time.
func (f *fleet) send(r *replica, n int, header string, stream bool) {
	k, v, _ := strings.Cut(header, ": ")
	body := fmt.Sprintf(`{"model":"demo","prompt":"hi","max_tokens":4,"stream":%v}`, stream)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			req, _ := http.NewRequest("POST", r.url()+"/v1/completions", strings.NewReader(body))
			req.Header.Set(k, v)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				f.t.Errorf("POST %s: %v", r.addr, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
}

// exported is the replica's slo_events_total for the availability
// objective, good and bad summed, as its /metrics says.
func (f *fleet) exported(r *replica) float64 {
	resp, err := http.Get(r.url() + "/metrics")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "slo_events_total{") && strings.Contains(l, `slo_name="`+availability+`"`) {
			v, err := strconv.ParseFloat(l[strings.LastIndex(l, " ")+1:], 64)
			if err != nil {
				f.t.Fatalf("/metrics line %q: %v", l, err)
			}
			sum += v
		}
	}
	return sum
}

type objectiveJSON struct {
	Name   string `json:"name"`
	Events struct {
		Good, Bad, Total int64
	} `json:"events"`
	Alerts []struct {
		Name   string `json:"name"`
		Firing bool   `json:"firing"`
	} `json:"alerts"`
}

func (f *fleet) status(r *replica, name string) objectiveJSON {
	var st struct {
		Objectives []objectiveJSON `json:"objectives"`
	}
	resp, err := http.Get(r.url() + "/slo")
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		f.t.Fatal(err)
	}
	for _, o := range st.Objectives {
		if o.Name == name {
			return o
		}
	}
	f.t.Fatalf("%s: no objective %s in /slo", r.addr, name)
	return objectiveJSON{}
}

func (f *fleet) firing(r *replica, objective, rule string) bool {
	var ok bool
	f.eventually("in-process "+rule, func() (bool, string) {
		for _, a := range f.status(r, objective).Alerts {
			if a.Name == rule && a.Firing {
				ok = true
			}
		}
		return ok, rule + " not firing"
	})
	return ok
}

type sample struct {
	labels map[string]string
	value  float64
}

func (f *fleet) query(q string) []sample {
	f.t.Helper()
	resp, err := http.Get(f.promURL + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		f.t.Fatalf("query %s: %v", q, err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &r); err != nil || r.Status != "success" {
		f.t.Fatalf("query %s: %v %s", q, err, b)
	}
	var out []sample
	for _, x := range r.Data.Result {
		s, _ := x.Value[1].(string)
		v, _ := strconv.ParseFloat(s, 64)
		out = append(out, sample{x.Metric, v})
	}
	return out
}

// value is the query's single value, NaN when it has none.
func (f *fleet) value(q string) float64 {
	f.t.Helper()
	s := f.query(q)
	if len(s) != 1 {
		return math.NaN()
	}
	return s[0].value
}

// eventually polls cond every 200 ms (Prometheus scrapes and evaluates
// once a second) until it holds, or until shortly before go test's -timeout
// would stop the whole binary: no limit of the test's own, so that a loaded
// machine makes the test slower, never failed.
func (f *fleet) eventually(what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline, bounded := f.t.Deadline()
	if bounded {
		deadline = deadline.Add(-time.Until(deadline) / 20)
	}
	for {
		ok, why := cond()
		if ok {
			return
		}
		if bounded && time.Now().After(deadline) {
			f.t.Fatalf("%s: not before the test's deadline: %s", what, why)
		}
		// Real time is inherent: polling real processes and a real Prometheus over HTTP.
		time.Sleep(200 * time.Millisecond)
	}
}

func (f *fleet) waitHTTP(u string) {
	f.eventually("GET "+u, func() (bool, string) {
		resp, err := http.Get(u)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return bytes.TrimSpace(b)
}
