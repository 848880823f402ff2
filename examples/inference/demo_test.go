package main

// These tests run the demo the way its users do: built with go build,
// started as a process on a free loopback port, driven over HTTP.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var demoBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "errbudget-demo")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	demoBin = filepath.Join(dir, "demo")
	out, err := exec.Command("go", "build", "-o", demoBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the demo: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// demo is a running demo process.
type demo struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	out  *bytes.Buffer
	mu   *sync.Mutex
	done chan error
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func startDemo(t *testing.T, addr string, args ...string) *demo {
	t.Helper()
	d := &demo{t: t, base: "http://" + addr, out: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	d.cmd = exec.Command(demoBin, append([]string{"-addr", addr}, args...)...)
	d.cmd.Stdout = lockedWriter{d.mu, d.out}
	d.cmd.Stderr = lockedWriter{d.mu, d.out}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	// However long a loaded machine takes to start it: until it answers,
	// exits, or the test's time is nearly up.
	patience := untilDeadline(t)
	for {
		if resp, err := http.Get(d.base + "/slo"); err == nil {
			resp.Body.Close()
			return d
		}
		select {
		case err := <-d.done:
			t.Fatalf("demo exited at start (%v):\n%s", err, d.output())
		case <-patience.Done():
			t.Fatalf("demo did not answer before the test's deadline:\n%s", d.output())
		case <-time.After(100 * time.Millisecond): // between attempts; no limit
		}
	}
}

// untilDeadline ends shortly before go test's -timeout would stop the
// whole binary, so that a demo that never answers or never exits fails the
// test waiting for it, with its output, and is killed by the test's
// cleanup. It sets no limit of its own: a loaded machine makes the test
// slower, never failed.
func untilDeadline(t *testing.T) context.Context {
	ctx := t.Context()
	if end, ok := t.Deadline(); ok {
		c, cancel := context.WithDeadline(ctx, end.Add(-time.Until(end)/20))
		t.Cleanup(cancel)
		ctx = c
	}
	return ctx
}

func (d *demo) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// stop signals the demo and waits for it to exit.
func (d *demo) stop(sig os.Signal) {
	d.t.Helper()
	d.cmd.Process.Signal(sig)
	select {
	case <-d.done:
	case <-untilDeadline(d.t).Done():
		d.t.Fatalf("demo did not exit on %v before the test's deadline:\n%s", sig, d.output())
	}
}

// send makes n completion requests, 20 at a time, with the given headers.
func (d *demo) send(n int, stream bool, headers ...string) {
	d.t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 20)
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			body := fmt.Sprintf(`{"model":"demo","prompt":"hello","max_tokens":8,"stream":%v}`, stream)
			req, _ := http.NewRequest(http.MethodPost, d.base+"/v1/completions", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for _, h := range headers {
				k, v, _ := strings.Cut(h, ": ")
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		d.t.Fatal(err)
	}
}

// objective is the part of GET /slo these tests read.
type objective struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Events struct {
		Good  int64 `json:"good"`
		Bad   int64 `json:"bad"`
		Total int64 `json:"total"`
	} `json:"events"`
	SLI    *float64 `json:"sli"`
	Policy struct {
		State string `json:"state"`
	} `json:"policy"`
}

func (d *demo) objectives() map[string]objective {
	m, _ := d.objectivesAt()
	return m
}

// objectivesAt returns GET /slo and when it was computed.
func (d *demo) objectivesAt() (map[string]objective, time.Time) {
	d.t.Helper()
	resp, err := http.Get(d.base + "/slo")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		GeneratedAt    time.Time   `json:"generated_at"`
		ReleaseAllowed bool        `json:"release_allowed"`
		Objectives     []objective `json:"objectives"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		d.t.Fatal(err)
	}
	m := map[string]objective{}
	for _, o := range body.Objectives {
		m[o.Name] = o
	}
	return m, body.GeneratedAt
}

// settled returns GET /slo computed after every request sent so far had
// completed. The endpoint serves one computation for a second: it asks
// again until generated_at is past the moment settled was called.
func (d *demo) settled() map[string]objective {
	d.t.Helper()
	mark := time.Now()
	for {
		m, at := d.objectivesAt()
		if !at.Before(mark) {
			return m
		}
		// Real time is inherent: the demo is a real subprocess whose endpoint caches on the wall clock.
		time.Sleep(100 * time.Millisecond) // between attempts; no limit
	}
}

func (d *demo) get(path string) (int, string) {
	d.t.Helper()
	resp, err := http.Get(d.base + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The demo's contract: exact counts after scripted traffic, the gate
// closing when the budget is spent, the dashboard, metrics, read-only.
func TestDemoContract(t *testing.T) {
	d := startDemo(t, freeAddr(t), "-load", "0", "-state", "")
	d.send(190, false, "X-Simulate-Latency: 20ms")
	d.send(5, false, "X-Simulate-Status: 500")
	d.send(5, false, "X-Simulate-Latency: 2200ms")
	d.send(20, true, "X-Simulate-Latency: 30ms")
	d.send(3, true, "X-Simulate-Latency: 1500ms")
	d.send(4, false, "X-Simulate-Status: 429")
	objs := d.settled()
	check := func(name string, good, bad int64) {
		t.Helper()
		o := objs[name]
		if o.Events.Good != good || o.Events.Bad != bad || o.Events.Total != good+bad {
			t.Errorf("%s: good/bad/total %d/%d/%d, want %d/%d/%d", name, o.Events.Good, o.Events.Bad, o.Events.Total, good, bad, good+bad)
		}
	}
	// 223 calls: 5 failed with 500, 4 were the caller's 429 (excluded).
	check("completions-availability", 218, 5)
	// Non-streaming successes: 190 fast, 5 slow.
	check("completions-latency", 190, 5)
	// Streaming: 20 first tokens in 30 ms, 3 in 1.5 s.
	check("completions-ttft", 20, 3)
	// Scripted answers score 1.
	check("completions-quality", 218, 0)

	if code, body := d.get("/slo/gate"); code != http.StatusLocked || !strings.Contains(body, "completions-availability") {
		t.Errorf("gate: %d %s, want 423 naming completions-availability", code, body)
	}
	if code, body := d.get("/slo/ui"); code != 200 || !strings.Contains(body, "<svg") {
		t.Errorf("dashboard: %d, svg present %v", code, strings.Contains(body, "<svg"))
	}
	_, metrics := d.get("/metrics")
	for _, want := range []string{"slo_events_total{", "slo_error_budget_remaining_ratio{", "slo_burn_rate_ratio{", "gen_ai_client_operation_duration_seconds_bucket{"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(grep(metrics, "slo_events_total{"), `slo_name="completions-availability",slo_outcome="bad"} 5`) {
		t.Errorf("/metrics lacks the bad availability events:\n%s", grep(metrics, "slo_events_total"))
	}
	resp, err := http.Post(d.base+"/slo", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
		t.Errorf("POST /slo: %d Allow %q, want 405 with Allow", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// An unparsable header is the caller's mistake.
	req, _ := http.NewRequest(http.MethodPost, d.base+"/v1/completions", strings.NewReader(`{"model":"demo","prompt":"x"}`))
	req.Header.Set("X-Simulate-Latency", "soon")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("X-Simulate-Latency: soon answered %d, want 400", resp.StatusCode)
	}
}

func grep(s, sub string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}

// -duration runs the demo with its load generator, prints the budget table
// and exits 0.
func TestDemoDurationPrintsTable(t *testing.T) {
	cmd := exec.Command(demoBin, "-addr", freeAddr(t), "-load", "30", "-duration", "3s",
		"-state", filepath.Join(t.TempDir(), "state"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo -duration 3s: %v\n%s", err, out)
	}
	for _, want := range []string{"OBJECTIVE", "completions-availability", "completions-latency", "completions-ttft", "completions-quality", "/slo/ui"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// SIGTERM saves the state: a restarted demo shows the same counts.
func TestDemoRestartKeepsCounts(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	addr := freeAddr(t)
	d := startDemo(t, addr, "-load", "0", "-state", state)
	d.send(97, false, "X-Simulate-Latency: 5ms")
	d.send(3, false, "X-Simulate-Status: 500")
	d.stop(syscall.SIGTERM)

	d = startDemo(t, addr, "-load", "0", "-state", state)
	o := d.objectives()["completions-availability"]
	if o.Events.Total != 100 || o.Events.Bad != 3 {
		t.Fatalf("after SIGTERM and restart: total %d bad %d, want 100 and 3\n%s", o.Events.Total, o.Events.Bad, d.output())
	}
	d.stop(syscall.SIGTERM)
}
