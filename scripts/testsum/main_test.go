package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ev writes one go test -json line, as cmd/test2json does.
func ev(action, pkg, test string) string {
	if test == "" {
		return fmt.Sprintf(`{"Action":%q,"Package":%q}`, action, pkg)
	}
	return fmt.Sprintf(`{"Action":%q,"Package":%q,"Test":%q}`, action, pkg, test)
}

type pass struct {
	label string
	rc    int
	lines []string
}

// run summarizes passes (and other steps) written to files, as
// scripts/test writes them, and returns the report.
func run(t *testing.T, other []string, passes ...pass) string {
	t.Helper()
	dir := t.TempDir()
	var steps []string
	for i, p := range passes {
		f := filepath.Join(dir, fmt.Sprint(i, ".json"))
		if err := os.WriteFile(f, []byte(strings.Join(p.lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, fmt.Sprintf("json\t%s\t%d\t%s", p.label, p.rc, f))
	}
	steps = append(steps, other...)
	sf := filepath.Join(dir, "steps")
	if err := os.WriteFile(sf, []byte(strings.Join(steps, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := summarizeFile(sf)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	s.write(&b)
	return b.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// One failing subtest, in both passes, is one failure: not also its
// parent's, not once per pass.
func TestFailingSubtestCountsOnce(t *testing.T) {
	p := []string{
		ev("start", "m/a", ""),
		ev("run", "m/a", "TestP"), ev("run", "m/a", "TestP/x"), ev("pass", "m/a", "TestP/x"),
		ev("run", "m/a", "TestP/y"), ev("fail", "m/a", "TestP/y"), ev("fail", "m/a", "TestP"),
		ev("run", "m/a", "TestQ"), ev("pass", "m/a", "TestQ"),
		ev("fail", "m/a", ""),
	}
	out := run(t, nil, pass{"race .", 1, p}, pass{"plain .", 1, p})
	if got, want := lastLine(out), "test: 2 passed, 1 failed, 0 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
	if !strings.Contains(out, "FAIL m/a TestP/y (race ., plain .)") {
		t.Errorf("the failure is not named with both passes:\n%s", out)
	}
}

// A test that passes in one pass and fails in the other failed; one
// skipped under -race and passed in the plain pass (the allocation tests)
// passed.
func TestAcrossPasses(t *testing.T) {
	race := []string{
		ev("run", "m/a", "TestFlaky"), ev("pass", "m/a", "TestFlaky"),
		ev("run", "m/a", "TestAllocs"), ev("skip", "m/a", "TestAllocs"),
		ev("run", "m/a", "TestSkip"), ev("skip", "m/a", "TestSkip"),
		ev("pass", "m/a", ""),
	}
	plain := []string{
		ev("run", "m/a", "TestFlaky"), ev("fail", "m/a", "TestFlaky"),
		ev("run", "m/a", "TestAllocs"), ev("pass", "m/a", "TestAllocs"),
		ev("run", "m/a", "TestSkip"), ev("skip", "m/a", "TestSkip"),
		ev("fail", "m/a", ""),
	}
	out := run(t, nil, pass{"race .", 0, race}, pass{"plain .", 1, plain})
	if got, want := lastLine(out), "test: 1 passed, 1 failed, 1 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
}

// A test skipped before its subtests in one pass and run with them in the
// other is counted through its subtests, whichever pass comes first.
func TestParentInOnePassOnly(t *testing.T) {
	skipped := []string{ev("run", "m/a", "TestA"), ev("skip", "m/a", "TestA"), ev("pass", "m/a", "")}
	withSubs := []string{
		ev("run", "m/a", "TestA"), ev("run", "m/a", "TestA/1"), ev("pass", "m/a", "TestA/1"),
		ev("run", "m/a", "TestA/2"), ev("pass", "m/a", "TestA/2"), ev("pass", "m/a", "TestA"),
		ev("pass", "m/a", ""),
	}
	for _, order := range [][]pass{{{"race", 0, skipped}, {"plain", 0, withSubs}}, {{"race", 0, withSubs}, {"plain", 0, skipped}}} {
		out := run(t, nil, order...)
		if got, want := lastLine(out), "test: 2 passed, 0 failed, 0 skipped"; got != want {
			t.Errorf("%s first: closing line %q, want %q\n%s", order[0].label, got, want, out)
		}
	}
}

// A parent that fails after its subtests passed is a failure of its own.
func TestParentFailsAlone(t *testing.T) {
	p := []string{
		ev("run", "m/a", "TestP"), ev("run", "m/a", "TestP/x"), ev("pass", "m/a", "TestP/x"),
		ev("fail", "m/a", "TestP"), ev("fail", "m/a", ""),
	}
	out := run(t, nil, pass{"race", 1, p})
	if got, want := lastLine(out), "test: 1 passed, 1 failed, 0 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
}

// A package that does not build, a binary that dies under a test (timeout,
// panic) and a package that fails outside its tests are each named.
func TestFailuresOutsideTests(t *testing.T) {
	p := []string{
		`{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"# m/b\n"}`,
		`{"ImportPath":"m/b [m/b.test]","Action":"build-fail"}`,
		ev("start", "m/b", ""),
		`{"Action":"fail","Package":"m/b","FailedBuild":"m/b [m/b.test]"}`,
		ev("run", "m/d", "TestHang"), ev("run", "m/d", "TestHang/h"),
		`{"Action":"output","Package":"m/d","Test":"TestHang/h","Output":"panic: test timed out after 2s\n"}`,
		ev("fail", "m/d", ""),
		ev("run", "m/e", "TestOK"), ev("pass", "m/e", "TestOK"), ev("fail", "m/e", ""),
	}
	out := run(t, nil, pass{"race", 1, p})
	if got, want := lastLine(out), "test: 1 passed, 3 failed, 0 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
	for _, want := range []string{"FAIL m/b: build failed (race)", "FAIL m/d TestHang/h (race)", "FAIL m/e: failed outside its tests (race)"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// A pass that exits non-zero without a failing test or package (the go
// command could not start) is a failure, named with what it said.
func TestExitWithoutEvents(t *testing.T) {
	out := run(t, nil, pass{"race bench", 1, []string{"go: updates to go.mod needed"}})
	if got, want := lastLine(out), "test: 0 passed, 1 failed, 0 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
	if !strings.Contains(out, "go test exited 1: go: updates to go.mod needed") {
		t.Errorf("the failure does not say why:\n%s", out)
	}
}

// Benchmarks report no pass event: in a package that passed they passed;
// one that failed is a failure.
func TestBenchmarks(t *testing.T) {
	p := []string{
		ev("run", "m/a", "BenchmarkB"), ev("run", "m/a", "BenchmarkF"), ev("fail", "m/a", "BenchmarkF"),
		ev("fail", "m/a", ""),
		ev("run", "m/c", "BenchmarkC"), ev("run", "m/c", "BenchmarkC/sub"), ev("pass", "m/c", ""),
	}
	out := run(t, nil, pass{"bench", 1, p})
	if got, want := lastLine(out), "test: 2 passed, 1 failed, 0 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
	// A benchmark that never finished where nothing failed by name: the
	// binary died under it (a timeout), and it failed.
	p = []string{ev("run", "m/a", "BenchmarkB"), ev("run", "m/a", "BenchmarkH"), ev("fail", "m/a", "")}
	out = run(t, nil, pass{"bench", 1, p})
	if got, want := lastLine(out), "test: 0 passed, 2 failed, 0 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
}

// Checks and vet count beside the tests; what did not run is a skip, named.
func TestOtherSteps(t *testing.T) {
	p := []string{ev("run", "m/a", "TestA"), ev("pass", "m/a", "TestA"), ev("pass", "m/a", "")}
	out := run(t, []string{"fail\tgo vet in bench: x.go:1: bad", "pass\tcheck demo-contract", "skip\tcheck demo-restart: ../shared/checks is absent"},
		pass{"race", 0, p})
	if got, want := lastLine(out), "test: 2 passed, 1 failed, 1 skipped"; got != want {
		t.Errorf("closing line %q, want %q\n%s", got, want, out)
	}
	for _, want := range []string{"FAIL go vet in bench: x.go:1: bad", "SKIP check demo-restart: ../shared/checks is absent"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// The echo shows what go test shows without -v: package lines, build
// errors, and the output of failed and unfinished tests only.
func TestEcho(t *testing.T) {
	in := strings.Join([]string{
		`{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"b.go:3: cannot use\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		ev("pass", "m/a", "TestOK"),
		`{"Action":"output","Package":"m/a","Test":"TestBad","Output":"=== RUN   TestBad\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestBad","Output":"    a_test.go:9: no\n"}`,
		ev("fail", "m/a", "TestBad"),
		`{"Action":"output","Package":"m/a","Output":"FAIL\n"}`,
		`{"Action":"output","Package":"m/a","Output":"FAIL\tm/a\t0.1s\n"}`,
		`{"Action":"output","Package":"m/d","Test":"TestHang","Output":"panic: test timed out\n"}`,
		ev("fail", "m/d", ""),
		"go: downloading something",
	}, "\n")
	var b bytes.Buffer
	if err := echo(strings.NewReader(in), &b); err != nil {
		t.Fatal(err)
	}
	want := "b.go:3: cannot use\n    a_test.go:9: no\nFAIL\tm/a\t0.1s\npanic: test timed out\ngo: downloading something\n"
	if b.String() != want {
		t.Errorf("echo wrote\n%s\nwant\n%s", b.String(), want)
	}
}
