package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// wantLines reports each wanted line (after trimming spaces, with runs of
// spaces collapsed) missing from out.
func wantLines(t *testing.T, what, out string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		have[strings.Join(strings.Fields(l), " ")] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("%s: no line %q in:\n%s", what, w, out)
		}
	}
}

// The demo says what it did: on start what it restored (events per
// objective, the snapshot's age) and what the gate answers and why; on
// exit what it saved. A run with 5 of 6 calls failing is restored with
// those counts and the gate allowed but not judged; 94 more calls make
// the gate freeze on the next start; -fresh starts over.
func TestDemoBanner(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	addr := freeAddr(t)

	d := startDemo(t, addr, "-load", "0", "-state", state)
	d.send(1, false, "X-Simulate-Latency: 5ms")
	d.send(5, false, "X-Simulate-Status: 500")
	d.stop(syscall.SIGTERM)
	wantLines(t, "first run", d.output(),
		"state: no "+state+" yet; starting with an empty budget (saved every snapshot interval and on exit)",
		"release gate: allowed (200)",
		"completions-availability not judged yet: 0 of 100 events",
		"(the policy judges a budget once its period holds 100 events; until then it holds no release back)",
		"state: saved to "+state,
		"completions-availability 6 events in the period, 5 bad",
		"completions-latency 1 event in the period, 0 bad",
		"completions-ttft 0 events in the period, 0 bad",
	)

	d = startDemo(t, addr, "-load", "0", "-state", state)
	out := d.output()
	if !regexp.MustCompile(`(?m)^state: restored from ` + regexp.QuoteMeta(state) + `, saved \d+(\.\d+)?s ago, at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`).MatchString(out) {
		t.Errorf("second run: no restored line with the snapshot's age:\n%s", out)
	}
	wantLines(t, "second run", out,
		"completions-availability 6 events in the period, 5 bad",
		"completions-latency 1 event in the period, 0 bad",
		`(start with an empty budget: -fresh; keep no state: -state "")`,
		"release gate: allowed (200)",
		"completions-availability not judged yet: 6 of 100 events",
		"completions-latency not judged yet: 1 of 100 events",
		"completions-ttft not judged yet: 0 of 100 events",
	)
	if strings.Contains(out, "completions-quality not judged") {
		t.Errorf("the advisory objective is listed as holding the gate:\n%s", out)
	}
	d.send(94, false, "X-Simulate-Latency: 5ms")
	d.stop(syscall.SIGTERM)
	wantLines(t, "second run's exit", d.output(), "completions-availability 100 events in the period, 5 bad")

	// 5 of 100 failed: 50 budgets spent, the gate frozen from the start.
	d = startDemo(t, addr, "-load", "0", "-state", state)
	d.stop(syscall.SIGTERM)
	wantLines(t, "third run", d.output(),
		"release gate: frozen (423)",
		"completions-availability budget exhausted, -4900.0% remaining",
		"completions-latency not judged yet: 95 of 100 events",
	)

	d = startDemo(t, addr, "-load", "0", "-state", state, "-fresh")
	d.stop(syscall.SIGTERM)
	out = d.output()
	if !regexp.MustCompile(`(?m)^state: -fresh: discarded ` + regexp.QuoteMeta(state) + ` \(saved .* ago, at .* UTC\); starting with an empty budget$`).MatchString(out) {
		t.Errorf("-fresh: no discarded line:\n%s", out)
	}
	wantLines(t, "-fresh", out, "release gate: allowed (200)", "completions-availability not judged yet: 0 of 100 events",
		"completions-availability 0 events in the period, 0 bad")

	d = startDemo(t, addr, "-load", "0", "-state", "")
	d.stop(syscall.SIGTERM)
	wantLines(t, `-state ""`, d.output(), `state: not kept (-state ""): counts start at zero and are gone on exit`, `state: not saved (-state "")`)
}
