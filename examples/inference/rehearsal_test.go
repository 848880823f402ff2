package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The README's rehearsal of a postmortem, as a user runs it: mark a change
// (POST /demo/changes), fail 200 calls, find the incident, fetch its draft:
// the trigger section names the change as a candidate. The demo runs on the
// real clock; nothing waits for a fixed time: the incident opens at the
// first status computed after the failures (the endpoint's, or Run's every
// 5 s), and the test asks until it has, bounded by go test's -timeout.
func TestDemoRehearsesAPostmortem(t *testing.T) {
	d := startDemo(t, freeAddr(t), "-load", "0", "-state", "")
	defer d.stop(syscall.SIGTERM)

	const change = "model v2 behind the same binary <b>"
	resp, err := http.Post(d.base+"/demo/changes", "text/plain", strings.NewReader(change))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /demo/changes: %d", resp.StatusCode)
	}
	resp, err = http.Post(d.base+"/demo/changes", "text/plain", strings.NewReader("  "))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an empty change: %d, want 400", resp.StatusCode)
	}

	d.send(200, false, "X-Simulate-Status: 500")

	type incident struct {
		ID        int64 `json:"id"`
		Detection struct {
			Objective string `json:"objective"`
			Alert     string `json:"alert"`
		} `json:"detection"`
		Candidates []struct {
			Kind        string `json:"kind"`
			Description string `json:"description"`
		} `json:"candidate_triggers"`
	}
	var in incident
	ctx := untilDeadline(t)
	for {
		_, body := d.get("/slo/incidents")
		var list struct {
			Incidents []incident `json:"incidents"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatalf("%v:\n%s", err, body)
		}
		if len(list.Incidents) > 0 {
			in = list.Incidents[0]
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no incident before the test's deadline:\n%s", d.output())
		case <-time.After(100 * time.Millisecond): // between attempts; no limit
		}
	}
	if in.ID != 1 || in.Detection.Objective != "completions-availability" || in.Detection.Alert != "page-1h" {
		t.Errorf("incident %+v, want 1, detected by page-1h of completions-availability", in)
	}
	found := false
	for _, c := range in.Candidates {
		found = found || c.Kind == "marked" && c.Description == change
	}
	if !found {
		t.Errorf("candidates %+v lack the marked change", in.Candidates)
	}

	code, draft := d.get("/slo/incidents/1.md")
	if code != 200 {
		t.Fatalf("GET /slo/incidents/1.md: %d", code)
	}
	_, trigger, _ := strings.Cut(draft, "## Trigger")
	trigger, _, _ = strings.Cut(trigger, "## Resolution")
	if !strings.Contains(trigger, "marked: model v2 behind the same binary &lt;b&gt;") {
		t.Errorf("the draft's trigger section does not name the change:\n%s", trigger)
	}
	if _, changes := d.get("/slo/changes"); !strings.Contains(changes, `"description": "model v2 behind the same binary \u003cb\u003e"`) {
		t.Errorf("GET /slo/changes lacks the change:\n%s", changes)
	}
}
