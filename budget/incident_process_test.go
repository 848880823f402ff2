//go:build unix

package budget_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// An incident open when the process is stopped (SIGTERM, or SIGKILL after a
// snapshot) is open in the next one, and closes there once its alerts
// resolve and the quiet period (1 s here) passes. The child is this test
// binary, re-executed.

const incidentChildEnv = "ERRBUDGET_INCIDENT_CHILD"

// TestIncidentChildProcess is the child. It does nothing in a normal run.
func TestIncidentChildProcess(t *testing.T) {
	mode := os.Getenv(incidentChildEnv)
	if mode == "" {
		t.Skip("the child process of the incident restart tests; runs only when they start it")
	}
	os.Exit(incidentChild(mode, os.Getenv(incidentChildEnv+"_PATH")))
}

// incidentChild prints, one line each: "open <id> <state>" and "saved" in
// mode open (then waits for a signal); "restored <id> <state>" and
// "closed <id> <bad>" in mode close.
func incidentChild(mode, path string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.999}},
		budget.WithStore(state.NewFileStore(path), time.Hour), budget.WithIncidents(budget.IncidentOptions{Quiet: time.Second}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer tr.Close()
	s, _ := tr.Series("api", "")
	first := func() budget.Incident {
		if ins := tr.Incidents(); len(ins) > 0 {
			return ins[0]
		}
		return budget.Incident{}
	}
	switch mode {
	case "open":
		s.RecordN(sli.Event{Time: time.Now(), Outcome: sli.Bad}, 200)
		tr.Status()
		in := first()
		fmt.Printf("open %d %s\n", in.ID, in.State)
		if err := tr.Snapshot(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Println("saved")
		<-ctx.Done() // SIGTERM: Close saves; SIGKILL: the snapshot above is all there is
		return 0
	case "close":
		in := first()
		fmt.Printf("restored %d %s\n", in.ID, in.State)
		s.RecordN(sli.Event{Time: time.Now(), Outcome: sli.Good}, 1_000_000)
		for in.State != budget.IncidentClosed { // bounded by go test's -timeout
			tr.Status()
			in = first()
			// Real time is inherent: a real child process, on the real clock, polled like Run's ticker.
			time.Sleep(50 * time.Millisecond) // Run's ticker, faster
		}
		_, bad := in.Events()
		fmt.Printf("closed %d %s %d\n", in.ID, in.State, bad)
		return 0
	}
	return 2
}

func TestIncidentOpenAcrossRealRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state")
			run := func(mode string) (*exec.Cmd, *bufio.Scanner) {
				cmd := exec.Command(os.Args[0], "-test.run=^TestIncidentChildProcess$")
				cmd.Env = append(os.Environ(), incidentChildEnv+"="+mode, incidentChildEnv+"_PATH="+path)
				cmd.Stderr = os.Stderr
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				return cmd, bufio.NewScanner(out)
			}
			line := func(sc *bufio.Scanner) string {
				if !sc.Scan() {
					t.Fatalf("child output ended: %v", sc.Err())
				}
				return strings.TrimSpace(sc.Text())
			}
			cmd, out := run("open")
			if got := line(out); got != "open 1 open" {
				t.Fatalf("child: %q, want an open incident 1", got)
			}
			if got := line(out); got != "saved" {
				t.Fatalf("child: %q", got)
			}
			cmd.Process.Signal(sig)
			cmd.Wait()

			cmd, out = run("close")
			if got := line(out); got != "restored 1 open" {
				t.Errorf("after %v: %q, want incident 1 still open", sig, got)
			}
			if got := line(out); got != "closed 1 closed 200" {
				t.Errorf("then: %q, want incident 1 closed with its 200 bad events", got)
			}
			cmd.Wait()
		})
	}
}
