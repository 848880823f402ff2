package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/errbudget/errbudget/openslo"
)

// The demo's objectives come from its OpenSLO file, and it serves them back
// as the writer writes them: the shipped file is exactly what it serves.
func TestDemoServesItsFile(t *testing.T) {
	d := startDemo(t, freeAddr(t), "-load", "0", "-state", "")
	code, body := d.get("/slo/openslo")
	if code != http.StatusOK {
		t.Fatalf("GET /slo/openslo: %d", code)
	}
	if body != string(sloFile) {
		t.Errorf("GET /slo/openslo differs from inference/slo.yaml (after a change to the writer, save what the demo serves: curl localhost:8080/slo/openslo > examples/inference/slo.yaml):\n%s", body)
	}
	decl, err := openslo.Unmarshal([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range decl.Objectives {
		names = append(names, o.Name)
	}
	if got := strings.Join(names, " "); got != "completions-availability completions-latency completions-ttft completions-quality" || decl.Service != "inference-demo" {
		t.Errorf("service %q, objectives %s", decl.Service, got)
	}
	if _, body := d.get("/slo"); !strings.Contains(body, `"service":"inference-demo"`) {
		t.Errorf("GET /slo lacks the service name")
	}
	req, _ := http.NewRequest(http.MethodPost, d.base+"/slo/openslo", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /slo/openslo: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// Editing the file changes what the demo does: its target and threshold.
func TestDemoObjectivesFileEdited(t *testing.T) {
	src := string(sloFile)
	edited := strings.Replace(strings.Replace(src, "- target: 0.99\n", "- target: 0.9\n", 1), "threshold: 2s", "threshold: 3s", 1)
	if edited == src {
		t.Fatal("the edits did not apply")
	}
	path := filepath.Join(t.TempDir(), "slo.yaml")
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDemo(t, freeAddr(t), "-load", "0", "-state", "", "-objectives", path)
	d.send(4, false, "X-Simulate-Latency: 2500ms") // good under 3 s, bad under 2 s
	_, body := d.get("/slo")
	if !strings.Contains(body, `"target":0.9,`) || !strings.Contains(body, `"threshold_seconds":3`) {
		t.Errorf("the edited target and threshold are not in force:\n%s", body)
	}
	if o := d.objectives()["completions-latency"]; o.Events.Good != 4 || o.Events.Bad != 0 {
		t.Errorf("latency good/bad %d/%d, want 4/0 under a 3 s threshold", o.Events.Good, o.Events.Bad)
	}
}

// A broken file stops the demo at start, naming the problem and its line.
func TestDemoObjectivesFileBroken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slo.yaml")
	broken := strings.Replace(string(sloFile), "- target: 0.999\n", "- target: 1.2\n", 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(demoBin, "-addr", freeAddr(t), "-state", "", "-objectives", path).CombinedOutput()
	if err == nil {
		t.Fatalf("the demo started with a broken file:\n%s", out)
	}
	if !strings.Contains(string(out), path+":") || !strings.Contains(string(out), "target") {
		t.Errorf("the error does not name the file, line and field:\n%s", out)
	}
}
