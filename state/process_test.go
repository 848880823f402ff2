//go:build unix

package state_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
	"github.com/errbudget/errbudget/state"
)

// These tests do the bad things for real: they run a child process (this
// test binary, re-executed) that records at a steady rate into a tracker
// with a FileStore, and stop it with SIGTERM or SIGKILL.

const childEnv = "ERRBUDGET_STATE_CHILD"

// The child's protocol, one line each on stdout:
//
//	restored <events>   the lifetime events restored at start
//	recording <events>  the first events of this run are recorded, and
//	                    SIGTERM is caught
//	snapshot <events>   a snapshot completed holding at least <events>
//	final <events>      Close's snapshot completed, holding exactly <events>
//
// Its log goes to stderr.

// TestStateChildProcess is the child. It does nothing in a normal run.
func TestStateChildProcess(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("the child process of the restart tests; runs only when they start it")
	}
	os.Exit(stateChild(mode, os.Getenv(childEnv+"_PATH"), os.Getenv(childEnv+"_WAIT")))
}

func stateChild(mode, path, wait string) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	objs := []sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "latency", Kind: sli.Latency, Threshold: 50 * time.Millisecond, Target: 0.99},
	}
	var opts []state.Option
	if wait != "" {
		d, err := time.ParseDuration(wait)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		opts = append(opts, state.WithLockWait(d))
	}
	tr, err := budget.New(objs, budget.WithStore(state.NewFileStore(path, opts...), budget.MinSnapshotInterval), budget.WithLogger(log))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	api, _ := tr.Series("api", "")
	lat, _ := tr.Series("latency", "")
	set := budget.Set{api, lat}
	g, b := api.Lifetime()
	base := g + b
	if st := tr.Status()[0]; st.Total() != base {
		fmt.Fprintf(os.Stderr, "restored lifetime %d but the period holds %d\n", base, st.Total())
		return 2
	}
	// Catch SIGTERM before saying so: a test may send it at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fmt.Printf("restored %d\n", base)

	// Record five events a millisecond, every tenth bad, until SIGTERM.
	var recorded atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			for range 5 {
				n := recorded.Load()
				out := sli.Good
				if n%10 == 9 {
					out = sli.Bad
				}
				set.Record(sli.Event{Time: time.Now(), Outcome: out, Duration: time.Duration(n%80) * time.Millisecond})
				recorded.Add(1)
			}
			if recorded.Load() == 5 {
				fmt.Printf("recording %d\n", base+5)
			}
		}
	}()

	switch mode {
	case "torn":
		// Stop recording, save whole and then a log record that holds
		// exactly what was recorded, record more, and crash in the middle
		// of appending it.
		stop()
		wg.Wait()
		// Six hours of past traffic, so that the base is large beside a
		// record and the log is not compacted.
		now := time.Now()
		for i := range 2000 {
			api.Record(sli.Event{Time: now.Add(-time.Duration(i) * 10 * time.Second), Outcome: sli.Good})
		}
		recorded.Add(2000)
		for range 2 {
			if err := tr.Snapshot(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 3
			}
		}
		fmt.Printf("snapshot %d\n", base+recorded.Load())
		api.RecordN(sli.Event{Time: time.Now(), Outcome: sli.Good}, 10)
		state.TearNextAppend()
		tr.Snapshot() // never returns
		return 4
	case "term":
		// The way an application runs: Run snapshots, Close saves last.
		tr.Run(ctx, time.Second)
	case "kill":
		// Snapshot by hand, to say after each what it holds: every event
		// whose Record returned before Snapshot began.
		for ctx.Err() == nil {
			n := recorded.Load()
			if err := tr.Snapshot(); err == nil {
				fmt.Printf("snapshot %d\n", base+n)
			}
			// Real time is inherent: a real child process snapshotting on the real clock until the parent kills it.
			time.Sleep(20 * time.Millisecond)
		}
	}
	wg.Wait()
	n := recorded.Load()
	if err := tr.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		return 3
	}
	fmt.Printf("final %d\n", base+n)
	return 0
}

// child is a running child process.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	stderr *logBuffer
	done   chan struct{}
}

func startChild(t *testing.T, bin, mode, path string, attr *syscall.SysProcAttr, env ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^TestStateChildProcess$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode, childEnv+"_PATH="+path), env...)
	cmd.SysProcAttr = attr
	cmd.Dir = filepath.Dir(path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, lines: make(chan string, 1000), stderr: &logBuffer{}, done: make(chan struct{})}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return c
}

// expect reads lines until one starts with word and returns its number.
func (c *child) expect(word string) int64 {
	c.t.Helper()
	timeout := patience(c.t)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("child exited before %q; stderr:\n%s", word, c.stderr)
			}
			if f := strings.Fields(l); len(f) == 2 && f[0] == word {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		case <-timeout:
			c.t.Fatalf("no %q from the child before the test's deadline; stderr:\n%s", word, c.stderr)
		}
	}
}

func (c *child) signal(sig os.Signal) { c.cmd.Process.Signal(sig) }

// wait returns the exit code and the rest of stdout.
func (c *child) wait() (int, []string) {
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	err := c.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), rest
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return 0, rest
}

func testBinary(t *testing.T) string {
	bin, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary:", err)
	}
	return bin
}

func lastNumber(lines []string, word string) (int64, bool) {
	var n int64
	ok := false
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 2 && f[0] == word {
			n, _ = strconv.ParseInt(f[1], 10, 64)
			ok = true
		}
	}
	return n, ok
}

// TestRestartAfterSIGTERM: SIGTERM, restart: every event is there.
func TestRestartAfterSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := testBinary(t)
	path := filepath.Join(t.TempDir(), "errbudget.state")
	var want int64
	for run := range 3 {
		c := startChild(t, bin, "term", path, nil)
		if got := c.expect("restored"); got != want {
			t.Fatalf("run %d restored %d events, want %d; stderr:\n%s", run, got, want, c.stderr)
		}
		c.expect("recording") // and Run snapshots, every second
		c.signal(syscall.SIGTERM)
		code, rest := c.wait()
		final, ok := lastNumber(rest, "final")
		if code != 0 || !ok {
			t.Fatalf("run %d exited %d without a final snapshot; stderr:\n%s", run, code, c.stderr)
		}
		if final <= want {
			t.Fatalf("run %d recorded nothing (%d events after %d)", run, final, want)
		}
		if s := c.stderr.String(); strings.Contains(s, "level=ERROR") {
			t.Errorf("run %d logged an error:\n%s", run, s)
		}
		want = final
	}
	c := startChild(t, bin, "term", path, nil)
	if got := c.expect("restored"); got != want {
		t.Fatalf("last restart restored %d events, want %d", got, want)
	}
}

// TestRestartAfterSIGKILL: SIGKILL at a random moment, restart: every event
// recorded before the last completed snapshot is there, and the file is
// never found damaged.
func TestRestartAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := testBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "errbudget.state")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	var floor int64 // the last snapshot known to have completed
	for run := range 6 {
		c := startChild(t, bin, "kill", path, nil)
		got := c.expect("restored")
		if got < floor {
			t.Fatalf("run %d restored %d events, fewer than the %d of the last completed snapshot; stderr:\n%s", run, got, floor, c.stderr)
		}
		c.expect("snapshot")
		// Kill at a random moment, often in the middle of a write.
		// Real time on purpose: a random kill moment of a real process is what this tests.
		time.Sleep(time.Duration(rng.IntN(120)) * time.Millisecond)
		c.signal(syscall.SIGKILL)
		_, rest := c.wait()
		if n, ok := lastNumber(rest, "snapshot"); ok {
			floor = max(floor, n)
		}
		if s := c.stderr.String(); strings.Contains(s, "level=ERROR") {
			t.Errorf("run %d logged an error:\n%s", run, s)
		}
	}
	c := startChild(t, bin, "term", path, nil)
	if got := c.expect("restored"); got < floor {
		t.Fatalf("restored %d events, fewer than the %d of the last completed snapshot", got, floor)
	}
	c.signal(syscall.SIGTERM)
	c.wait()
	if s := c.stderr.String(); strings.Contains(s, "level=ERROR") {
		t.Errorf("the restart logged an error:\n%s", s)
	}
	// No temporary file survives a restart (the lock file stays, by design).
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "errbudget.state" && e.Name() != "errbudget.state.lock" && e.Name() != "errbudget.state.log" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestRestartAfterTornAppend: a process killed in the middle of appending
// to the log (half of the record written and synced) restarts with exactly
// what the record before held: the torn record is dropped, the base and
// the records before it load, and nothing is set aside or logged as an
// error.
func TestRestartAfterTornAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := testBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "errbudget.state")
	var want int64
	for run := range 3 {
		c := startChild(t, bin, "torn", path, nil)
		if got := c.expect("restored"); got != want {
			t.Fatalf("run %d restored %d events, want exactly the %d of the last complete record; stderr:\n%s", run, got, want, c.stderr)
		}
		want = c.expect("snapshot")
		c.expect("torn")
		c.signal(syscall.SIGKILL)
		c.wait()
		if fi, err := os.Stat(path + ".log"); err != nil || fi.Size() == 0 {
			t.Fatalf("run %d: no log to tear: %v", run, err)
		}
		if s := c.stderr.String(); strings.Contains(s, "level=ERROR") {
			t.Errorf("run %d logged an error:\n%s", run, s)
		}
	}
	c := startChild(t, bin, "term", path, nil)
	if got := c.expect("restored"); got != want {
		t.Fatalf("restored %d events, want %d", got, want)
	}
	c.signal(syscall.SIGTERM)
	c.wait()
	if aside, _ := filepath.Glob(path + "*.bad-*"); len(aside) != 0 {
		t.Errorf("set aside: %v", aside)
	}
}

// TestRegressionSecondProcessOnStateFile: a second process on a state file
// that another holds waits the configured time and exits with an error
// naming the file and the holder's pid (two processes on one file lost
// data before: 100 + 40 restored as 40). Once the first has exited, a new
// one starts and restores everything the first recorded.
func TestRegressionSecondProcessOnStateFile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := testBinary(t)
	path := filepath.Join(t.TempDir(), "errbudget.state")
	first := startChild(t, bin, "term", path, nil)
	first.expect("restored")

	second := startChild(t, bin, "term", path, nil, childEnv+"_WAIT=100ms")
	select {
	case l, ok := <-second.lines:
		if ok {
			second.signal(syscall.SIGTERM)
			second.wait()
			first.signal(syscall.SIGTERM)
			first.wait()
			t.Fatalf("a second process started on a held state file (%q); stderr:\n%s", l, second.stderr)
		}
	case <-patience(t):
		t.Fatalf("the second process neither started nor exited before the test's deadline; stderr:\n%s", second.stderr)
	}
	code, _ := second.wait()
	msg := second.stderr.String()
	if code != 2 {
		t.Errorf("second process exited %d, want 2 (New failed); stderr:\n%s", code, msg)
	}
	t.Logf("the second process said:\n%s", msg)
	for _, want := range []string{path, fmt.Sprintf("pid %d", first.cmd.Process.Pid), "in use"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the second process's error lacks %q:\n%s", want, msg)
		}
	}

	first.signal(syscall.SIGTERM)
	code, rest := first.wait()
	final, ok := lastNumber(rest, "final")
	if code != 0 || !ok || final == 0 {
		t.Fatalf("first process exited %d with final %d; stderr:\n%s", code, final, first.stderr)
	}
	third := startChild(t, bin, "term", path, nil, childEnv+"_WAIT=0s")
	if got := third.expect("restored"); got != final {
		t.Errorf("after the first exited, a new process restored %d events, want %d", got, final)
	}
	third.signal(syscall.SIGTERM)
	third.wait()
}

// TestLockReleasedByDeath: a holder killed with SIGKILL releases
// the file; the next process takes it at once (it did not wait: zero wait).
func TestLockReleasedByDeath(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := testBinary(t)
	path := filepath.Join(t.TempDir(), "errbudget.state")
	first := startChild(t, bin, "kill", path, nil)
	first.expect("snapshot")
	first.signal(syscall.SIGKILL)
	first.wait()
	next := startChild(t, bin, "term", path, nil, childEnv+"_WAIT=0s")
	next.expect("restored")
	next.signal(syscall.SIGTERM)
	if code, _ := next.wait(); code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, next.stderr)
	}
}

// TestUnwritableStateDirectory runs the child as a user who cannot write
// the state's directory: it starts, records, logs each failed save, and
// leaves a bad state file it cannot move where it is.
func TestUnwritableStateDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := testBinary(t)
	var attr *syscall.SysProcAttr
	// A world-readable place for the binary and the state directory.
	root, err := os.MkdirTemp("", "errbudget-unwritable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(root, 0o755); os.RemoveAll(root) })
	if os.Geteuid() == 0 {
		// Root ignores file modes: run the child as nobody.
		attr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		if err := os.Chmod(root, 0o755); err != nil {
			t.Fatal(err)
		}
		copyBin := filepath.Join(root, "budget.test")
		if err := copyFile(bin, copyBin); err != nil {
			t.Fatal(err)
		}
		bin = copyBin
		probe := exec.Command(bin, "-test.run=^$")
		probe.SysProcAttr = attr
		probe.Dir = root
		if out, err := probe.CombinedOutput(); err != nil {
			t.Skipf("cannot run the child as an unprivileged user (uid 65534): %v %s", err, out)
		}
	}
	for _, c := range []struct {
		name    string
		content []byte // the state file's, nil for none
	}{
		{"no state file", nil},
		{"bad state file", []byte("damaged state")},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(root, strings.ReplaceAll(c.name, " ", "-"))
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "errbudget.state")
			if c.content != nil {
				if err := os.WriteFile(path, c.content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			ch := startChild(t, bin, "term", path, attr)
			if got := ch.expect("restored"); got != 0 {
				t.Errorf("restored %d events from nothing", got)
			}
			ch.expect("recording")
			ch.signal(syscall.SIGTERM)
			code, _ := ch.wait()
			if code != 3 {
				t.Errorf("exit code %d, want 3 (Close reports the failed save); stderr:\n%s", code, ch.stderr)
			}
			s := ch.stderr.String()
			if strings.Contains(s, "panic") {
				t.Fatalf("the child panicked:\n%s", s)
			}
			want := "saving the state failed"
			if c.content != nil {
				want = "not saving so as not to overwrite it"
			}
			if !strings.Contains(s, "level=ERROR") || !strings.Contains(s, want) {
				t.Errorf("stderr lacks an error %q:\n%s", want, s)
			}
			if c.content != nil {
				if b, err := os.ReadFile(path); err != nil || string(b) != string(c.content) {
					t.Errorf("the bad file was not left in place: %q, %v", b, err)
				}
			}
		})
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
