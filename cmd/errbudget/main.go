package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/promrules"
)

// The exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // declarations with problems; releases frozen
	exitUnknown = 2 // usage, unreadable input; the gate cannot tell
)

const usage = `errbudget: SLO declarations, fleet rules and the fleet's release gate.

Usage:
  errbudget rules [flags] SOURCE        write Prometheus rules for the objectives in SOURCE
  errbudget validate FILE...            report every problem of OpenSLO files, with lines
  errbudget gate [flags] OBJECTIVE...   ask Prometheus whether the fleet may release

SOURCE is an OpenSLO v1 file (YAML or JSON) or the URL of a running service's
declarations (http://host:port/slo/openslo).

Run 'errbudget COMMAND -h' for a command's flags and examples.

Exit codes:
  rules      0 written, 1 declarations with problems, 2 usage or unreadable source
  validate   0 all valid, 1 a file has problems, 2 usage or unreadable file
  gate       0 allowed, 1 frozen, 2 cannot tell (Prometheus unreachable, series absent, usage)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments, writing to stdout and stderr; it
// returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUnknown
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "rules":
		return rules(rest, stdout, stderr)
	case "validate":
		return validate(rest, stdout, stderr)
	case "gate":
		return gate(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) == 1 && rest[0] != "help" {
			return run([]string{rest[0], "-h"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "errbudget: unknown command %q; the commands are rules, validate and gate (errbudget -h)\n", cmd)
	return exitUnknown
}

// flags returns a FlagSet that writes its errors to stderr; parse prints
// its help.
func flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("errbudget "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // parse prints the help, or a pointer to it
	return fs
}

// parse parses args; done reports that the command should stop with code.
// -h prints help (the usage text, then the flags) to stdout; a flag error
// goes to stderr with a pointer to -h, and stdout stays empty, so that
// 'errbudget rules -bogus f > rules.yaml' never writes the help into a rule
// file.
func parse(fs *flag.FlagSet, args []string, help string, stdout io.Writer) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, help)
		fmt.Fprintln(stdout, "\nFlags:")
		stderr := fs.Output()
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
		return exitOK, true
	case err != nil:
		// The flag package has printed the error itself.
		fmt.Fprintf(fs.Output(), "run '%s -h' for the flags and examples\n", fs.Name())
		return exitUnknown, true
	}
	return 0, false
}

const rulesHelp = `Usage: errbudget rules [flags] SOURCE

Writes a Prometheus rule file for the objectives declared in SOURCE: an
OpenSLO v1 file, or the URL of a running service's /slo/openslo. The rules
use Sloth v0.16's names and labels over the slo_events_total counter every
replica exports, with the tracker's own alert rules, thresholds and
low-traffic guards (go doc github.com/errbudget/errbudget/promrules).

Examples:
  errbudget rules slo.yaml > /etc/prometheus/rules/checkout.yaml
  errbudget rules -o rules.yaml http://127.0.0.1:8080/slo/openslo
  errbudget rules -matchers 'job="checkout"' -service checkout slo.yaml
  errbudget rules -skip-timeslices slo.yaml > rules.yaml
  promtool check rules rules.yaml

Objectives that budget time slices (budgetingMethod Timeslices or
RatioTimeslices) get no rules: Prometheus cannot judge a slice on its own
events (go doc github.com/errbudget/errbudget/promrules). The command fails on
them unless -skip-timeslices leaves them out.
`

func rules(args []string, stdout, stderr io.Writer) int {
	fs := flags("rules", stderr)
	out := fs.String("o", "", "write the rules to this file instead of standard output")
	service := fs.String("service", "", "the service name (sloth_service); default: the one SOURCE declares")
	matchers := fs.String("matchers", "", `extra label matchers for slo_events_total, such as 'job="checkout"'`)
	alertName := fs.String("alert-name", promrules.DefaultAlertName, "the name of every alert")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for a URL SOURCE")
	skip := fs.Bool("skip-timeslices", false, "leave out the objectives that budget time slices (they get no rules) instead of failing; they are named on standard error and in the file")
	if code, done := parse(fs, args, rulesHelp, stdout); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "errbudget rules: give one SOURCE: an OpenSLO file or a service's /slo/openslo URL (errbudget rules -h)")
		return exitUnknown
	}
	d, code := declarations(fs.Arg(0), *timeout, stderr)
	if code != exitOK {
		return code
	}
	if *service != "" {
		d.Service = *service
	}
	f, err := promrules.Generate(d.Objectives, promrules.Config{
		Service: d.Service, AlertRules: d.AlertRules, Matchers: *matchers, AlertName: *alertName,
		SkipTimeslices: *skip,
	})
	if err != nil {
		fmt.Fprintf(stderr, "errbudget rules: %s:\n%v\n", fs.Arg(0), err)
		return exitFailed
	}
	for _, n := range f.Skipped {
		fmt.Fprintf(stderr, "errbudget rules: skipped objective %q: it budgets time slices, which the rules cannot compute; its service's /slo reports it\n", n)
	}
	if *out == "" {
		_, err = f.WriteTo(stdout)
	} else {
		err = os.WriteFile(*out, f.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "errbudget rules: %v\n", err)
		return exitUnknown
	}
	return exitOK
}

// declarations reads an OpenSLO file or URL. Custom objectives are accepted:
// their verdict runs in the process, and the rules only count its outcome.
func declarations(src string, timeout time.Duration, stderr io.Writer) (openslo.Declarations, int) {
	var (
		d   openslo.Declarations
		err error
	)
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		var data []byte
		data, err = fetch(src, timeout)
		if err != nil {
			fmt.Fprintf(stderr, "errbudget: %v\n", err)
			return d, exitUnknown
		}
		d, err = openslo.Unmarshal(data, openslo.AcceptCustom())
	} else {
		d, err = openslo.Load(src, openslo.AcceptCustom())
	}
	var problems *openslo.Error
	switch {
	case errors.As(err, &problems):
		fmt.Fprintf(stderr, "errbudget: %s:\n%v\n", src, err)
		return d, exitFailed
	case err != nil:
		fmt.Fprintf(stderr, "errbudget: %v\n", err)
		return d, exitUnknown
	}
	return d, exitOK
}

func fetch(url string, timeout time.Duration) ([]byte, error) {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		return nil, fmt.Errorf("cannot read the declarations: %w (is the service running, and is its endpoint mounted at that path?)", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s; a service's declarations are at <endpoint>/openslo, e.g. http://host:port/slo/openslo", url, resp.Status)
	}
	return body, nil
}

const validateHelp = `Usage: errbudget validate FILE...

Reads each OpenSLO v1 file (YAML or JSON) as a service would and reports
every problem at once, each with its line. Prints "FILE: ok" for a valid
file. Custom objectives (whose verdict is a Go function) are reported as
problems unless -accept-custom is given.

Examples:
  errbudget validate slo.yaml
  errbudget validate -accept-custom slos/*.yaml
`

func validate(args []string, stdout, stderr io.Writer) int {
	fs := flags("validate", stderr)
	custom := fs.Bool("accept-custom", false, "accept objectives of kind custom (their verdict is set in Go)")
	if code, done := parse(fs, args, validateHelp, stdout); done {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "errbudget validate: give at least one OpenSLO file (errbudget validate -h)")
		return exitUnknown
	}
	var opts []openslo.ReadOption
	if *custom {
		opts = append(opts, openslo.AcceptCustom())
	}
	code := exitOK
	for _, path := range fs.Args() {
		d, err := openslo.Load(path, opts...)
		var problems *openslo.Error
		switch {
		case errors.As(err, &problems):
			fmt.Fprintln(stderr, err)
			code = max(code, exitFailed)
		case err != nil:
			fmt.Fprintf(stderr, "errbudget validate: %v\n", err)
			code = exitUnknown
		default:
			fmt.Fprintf(stdout, "%s: ok (service %q, %d objective(s))\n", path, d.Service, len(d.Objectives))
		}
	}
	return code
}
