// Command testsum reads what scripts/test ran and says what passed: the
// output of `go test -json`, for people while it runs, and the count of
// distinct tests at the end. It uses the standard library only, so that the
// test command needs nothing beyond Go.
//
//	go test -json ./... | tee pass.json | testsum -print
//	testsum -steps steps.tsv
//
// With -print it reads one `go test -json` stream on standard input and
// writes what `go test` would have written without -v: a line per package,
// build errors, and the whole output of every test that failed or did not
// finish (a panic, a timeout).
//
// With -steps it reads the steps of a run, one per line, fields separated by
// tabs:
//
//	json  LABEL  EXIT-CODE  FILE   a `go test -json` pass and its exit code
//	fail  NAME                     a failure outside go test (go vet, a check)
//	pass  NAME                     a check that passed
//	skip  NAME                     something that did not run, and why
//
// and prints every failure by name, then the closing line
//
//	test: N passed, N failed, N skipped
//
// exiting 1 when anything failed. It counts distinct leaf tests: a test
// with subtests is counted through its subtests (a failing subtest is one
// failure, not also its parent's), and a test that ran in several passes
// (the -race pass and the plain pass) is counted once: failed if it failed
// in any pass, else passed if it passed in any, else skipped. A parent that
// failed while all its subtests passed, a test that never finished (the
// binary panicked or timed out), a package that did not build, a package
// that failed outside any test, and a pass that exited non-zero without
// saying why each count as one failure too.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	printMode := flag.Bool("print", false, "echo a go test -json stream from standard input as go test would print it")
	stepsFile := flag.String("steps", "", "summarize the steps listed in `file`")
	flag.Parse()
	switch {
	case *printMode:
		if err := echo(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "testsum:", err)
			os.Exit(2)
		}
	case *stepsFile != "":
		s, err := summarizeFile(*stepsFile)
		if err != nil {
			// The closing line still comes, so that nothing reads a
			// missing summary as success.
			fmt.Println("testsum:", err)
			fmt.Println("test: 0 passed, 1 failed, 0 skipped")
			os.Exit(1)
		}
		s.write(os.Stdout)
		if s.failed() > 0 {
			os.Exit(1)
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action      string
	Package     string
	ImportPath  string // build-output, build-fail
	Test        string
	Output      string
	FailedBuild string
}

// echo writes the stream in r as go test prints it without -v.
func echo(r io.Reader, w io.Writer) error {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	pending := map[[2]string][]string{} // package, test → output so far
	flush := func(k [2]string) {
		for _, o := range pending[k] {
			bw.WriteString(o)
		}
		delete(pending, k)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(bw, "%s\n", line) // the go command's own messages
			bw.Flush()
			continue
		}
		k := [2]string{e.Package, e.Test}
		switch {
		case e.Action == "build-output":
			bw.WriteString(e.Output)
		case e.Action == "output" && e.Test == "":
			if e.Output != "PASS\n" && e.Output != "FAIL\n" {
				bw.WriteString(e.Output)
			}
		case e.Action == "output" && strings.HasPrefix(e.Test, "Benchmark"):
			if !strings.HasPrefix(e.Output, "=== ") {
				bw.WriteString(e.Output)
			}
		case e.Action == "output":
			if !strings.HasPrefix(e.Output, "=== ") { // -json implies -v
				pending[k] = append(pending[k], e.Output)
			}
		case e.Action == "fail" && e.Test != "":
			flush(k)
		case e.Action == "pass" || e.Action == "skip":
			delete(pending, k)
		case e.Action == "fail": // a package: what did not finish says why
			var unfinished []string
			for pk := range pending {
				if pk[0] == e.Package {
					unfinished = append(unfinished, pk[1])
				}
			}
			slices.Sort(unfinished)
			for _, t := range unfinished {
				flush([2]string{e.Package, t})
			}
		}
		if e.Action != "output" && e.Action != "build-output" {
			bw.Flush()
		}
	}
	return sc.Err()
}

// result is what became of a test, or of a package outside its tests, in
// the passes that ran it.
type result int

const (
	ran     result = iota // started, never said how it ended (yet)
	skipped               // t.Skip
	passed
	failed

	// parentOf marks a test with subtests in some pass: it is counted
	// through them.
	parentOf result = -1
)

// results maps the words of a step or an event to a result.
var results = map[string]result{"pass": passed, "fail": failed, "skip": skipped}

// outcome is one test (or package, with test "") across every pass.
type outcome struct {
	result result
	why    string   // for failures outside a test: what failed
	passes []string // the labels of the passes where it failed
}

type key struct{ pkg, test string }

// summary is the whole run.
type summary struct {
	tests map[key]*outcome
	other []otherStep // failures, passes and skips outside go test, in order
}

type otherStep struct {
	result result
	name   string
}

func newSummary() *summary { return &summary{tests: map[key]*outcome{}} }

func summarizeFile(path string) (*summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := newSummary()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if sc.Text() == "" {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		bad := fmt.Errorf("%s:%d: cannot read step %q", path, n, sc.Text())
		switch fields[0] {
		case "json":
			if len(fields) != 4 {
				return nil, bad
			}
			rc, err := strconv.Atoi(fields[2])
			if err != nil {
				return nil, bad
			}
			jf, err := os.Open(fields[3])
			if err != nil {
				return nil, err
			}
			err = s.addPass(fields[1], rc, jf)
			jf.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %v", fields[3], err)
			}
		case "fail", "pass", "skip":
			if len(fields) != 2 {
				return nil, bad
			}
			s.other = append(s.other, otherStep{results[fields[0]], fields[1]})
		default:
			return nil, bad
		}
	}
	return s, sc.Err()
}

// addPass adds one `go test -json` pass, labelled ("race ." …), that exited
// with rc.
func (s *summary) addPass(label string, rc int, r io.Reader) error {
	pass := map[key]result{}       // this pass's tests
	pkgDone := map[string]result{} // this pass's packages
	pkgWhy := map[string]string{}
	var lastText string // the last line that was not JSON: the go command's complaint
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			if t := strings.TrimSpace(string(line)); t != "" {
				lastText = t
			}
			continue
		}
		switch e.Action {
		case "build-fail":
			// The package's own fail event follows, with FailedBuild.
		case "run":
			if _, ok := pass[key{e.Package, e.Test}]; !ok {
				pass[key{e.Package, e.Test}] = ran
			}
		case "pass", "fail", "skip":
			res := results[e.Action]
			if e.Test != "" {
				pass[key{e.Package, e.Test}] = res
				continue
			}
			pkgDone[e.Package] = res
			if e.FailedBuild != "" {
				pkgWhy[e.Package] = "build failed"
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}

	// A test that never said how it ended: a benchmark (they report no
	// pass event), or the binary died under it (a timeout, an exit). A
	// benchmark failed only when its package failed with no test or
	// benchmark failing by name; any other test failed unless its package
	// passed.
	reported := map[string]bool{} // packages with a failure by name
	for k, res := range pass {
		if res == failed {
			reported[k.pkg] = true
		}
	}
	for k, res := range pass {
		if res != ran {
			continue
		}
		pass[k] = failed
		if pkgDone[k.pkg] == passed || strings.HasPrefix(k.test, "Benchmark") && pkgDone[k.pkg] == failed && reported[k.pkg] {
			pass[k] = passed
		}
	}
	// Only the leaves count, and a parent that failed while none of its
	// subtests did.
	parents, failedBelow := map[key]bool{}, map[key]bool{}
	for k, res := range pass {
		for p := k.test; strings.Contains(p, "/"); {
			p = p[:strings.LastIndexByte(p, '/')]
			parents[key{k.pkg, p}] = true
			failedBelow[key{k.pkg, p}] = failedBelow[key{k.pkg, p}] || res == failed
		}
	}
	failedTests := map[string]bool{} // packages with a failure in a test
	for k, res := range pass {
		if parents[k] {
			if res != failed || failedBelow[k] {
				s.parent(k) // counted through its subtests
				continue
			}
		}
		s.add(k, res, label, "")
		if res == failed {
			failedTests[k.pkg] = true
		}
	}
	anyFailed := len(failedTests) > 0
	for pkg, res := range pkgDone {
		if res != failed || failedTests[pkg] {
			continue
		}
		why := pkgWhy[pkg]
		if why == "" {
			why = "failed outside its tests"
		}
		s.add(key{pkg, ""}, failed, label, why)
		anyFailed = true
	}
	if rc != 0 && !anyFailed {
		why := fmt.Sprintf("go test exited %d", rc)
		if lastText != "" {
			why += ": " + lastText
		}
		s.add(key{label, ""}, failed, label, why)
	}
	return nil
}

// parent notes that k has subtests: counted through them even where another
// pass saw it without any.
func (s *summary) parent(k key) {
	o := s.tests[k]
	if o == nil {
		o = &outcome{}
		s.tests[k] = o
	}
	if o.result != failed {
		o.result = parentOf
	}
}

func (s *summary) add(k key, res result, label, why string) {
	o := s.tests[k]
	if o == nil {
		o = &outcome{result: res}
		s.tests[k] = o
	}
	if o.result == parentOf { // a parent in another pass
		if res != failed {
			return
		}
	} else if res > o.result {
		o.result = res
	}
	if res == failed {
		o.result = failed
		o.passes = append(o.passes, label)
		if o.why == "" {
			o.why = why
		}
	}
}

func (s *summary) counts() (pass, fail, skip int) {
	var n [failed + 1]int
	for _, o := range s.tests {
		if o.result != parentOf {
			n[o.result]++
		}
	}
	for _, o := range s.other {
		n[o.result]++
	}
	return n[passed], n[failed], n[skipped]
}

func (s *summary) failed() int { _, f, _ := s.counts(); return f }

func (s *summary) write(w io.Writer) {
	var lines []string
	for k, o := range s.tests {
		if o.result != failed {
			continue
		}
		name := k.pkg
		if k.test != "" {
			name += " " + k.test
		}
		if o.why != "" {
			name += ": " + o.why
		}
		lines = append(lines, fmt.Sprintf("FAIL %s (%s)", name, strings.Join(o.passes, ", ")))
	}
	slices.Sort(lines)
	for _, o := range s.other {
		switch o.result {
		case failed:
			lines = append(lines, "FAIL "+o.name)
		case skipped:
			lines = append(lines, "SKIP "+o.name)
		}
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	p, f, sk := s.counts()
	fmt.Fprintf(w, "test: %d passed, %d failed, %d skipped\n", p, f, sk)
}
