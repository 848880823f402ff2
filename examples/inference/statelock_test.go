package main

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A second demo started on the state file of a running one exits non-zero
// with an error naming the file and the first one's pid (two demos on one
// file overwrote each other's counts before); once the first has stopped,
// the next one starts on the file and finds every event.
func TestDemoSecondProcessOnStateFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "errbudget.state")
	first := startDemo(t, freeAddr(t), "-load", "0", "-state", state)
	first.send(10, false, "X-Simulate-Latency: 5ms")

	// Bounded by the lock wait; the context only keeps a demo that did
	// start from running past the test's deadline.
	ctx := untilDeadline(t)
	out, err := exec.CommandContext(ctx, demoBin, "-addr", freeAddr(t), "-load", "0",
		"-state", state, "-state-lock-wait", "200ms").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second demo: %v, want exit code 1\n%s", err, out)
	}
	for _, want := range []string{state, fmt.Sprintf("pid %d", first.cmd.Process.Pid), "in use"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("second demo's output lacks %q:\n%s", want, out)
		}
	}

	first.stop(syscall.SIGTERM)
	next := startDemo(t, freeAddr(t), "-load", "0", "-state", state, "-state-lock-wait", "0s")
	if o := next.objectives()["completions-availability"]; o.Events.Total != 10 {
		t.Errorf("after the first stopped: %d events, want 10\n%s", o.Events.Total, next.output())
	}
	next.stop(syscall.SIGTERM)
}

// TestDemoFreshOnHeldStateFile: -fresh on a file another demo holds fails
// like any second process and leaves that demo's saved state alone (it used
// to delete the file before asking for the lock).
func TestDemoFreshOnHeldStateFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "errbudget.state")
	seed := startDemo(t, freeAddr(t), "-load", "0", "-state", state)
	seed.send(10, false, "X-Simulate-Latency: 5ms")
	seed.stop(syscall.SIGTERM) // saves 10 events

	first := startDemo(t, freeAddr(t), "-load", "0", "-state", state)
	ctx := untilDeadline(t)
	out, err := exec.CommandContext(ctx, demoBin, "-addr", freeAddr(t), "-load", "0",
		"-state", state, "-state-lock-wait", "200ms", "-fresh").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("-fresh demo on a held file: %v, want exit code 1\n%s", err, out)
	}
	// SIGKILL: the first saves nothing more, so what the next one restores
	// is the file as the -fresh attempt left it.
	first.stop(syscall.SIGKILL)
	next := startDemo(t, freeAddr(t), "-load", "0", "-state", state, "-state-lock-wait", "0s")
	if o := next.objectives()["completions-availability"]; o.Events.Total != 10 {
		t.Errorf("after a refused -fresh: %d events restored, want 10\n%s", o.Events.Total, next.output())
	}
	next.stop(syscall.SIGTERM)

	fresh := startDemo(t, freeAddr(t), "-load", "0", "-state", state, "-fresh")
	if o := fresh.objectives()["completions-availability"]; o.Events.Total != 0 {
		t.Errorf("-fresh: %d events, want 0", o.Events.Total)
	}
	fresh.stop(syscall.SIGTERM)
}
