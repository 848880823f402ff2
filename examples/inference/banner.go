package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/errbudget/errbudget/budget"
)

// stateFile is what the demo knows of its state file before the tracker
// reads it, so that the start banner can say what was restored: the file
// is replaced at every snapshot, so its modification time is when the
// snapshot was taken.
type stateFile struct {
	path      string
	existed   bool      // there was a file to restore
	saved     time.Time // its modification time
	discarded bool      // -fresh: its state is not restored, and the first snapshot replaces it
}

// prepareState looks at the state file before the tracker is created. With
// -fresh it is left in place: the tracker still takes its lock (so a -fresh
// demo pointed at a running demo's file fails like any second process,
// instead of deleting that demo's state), skips restoring it (freshStore)
// and replaces it at the first snapshot.
func prepareState(c config) (stateFile, error) {
	sf := stateFile{path: c.state}
	if c.state == "" {
		return sf, nil
	}
	fi, err := os.Stat(c.state)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return sf, nil
	case err != nil:
		return sf, nil // the tracker reports what it cannot read
	}
	sf.existed, sf.saved, sf.discarded = true, fi.ModTime(), c.fresh
	return sf, nil
}

// printStart says what the demo starts from: the state it restored (the
// events of each objective's period, the snapshot's age) and what the
// release gate answers, and why.
func printStart(out io.Writer, sf stateFile, now time.Time, statuses []budget.Status) {
	switch {
	case sf.path == "":
		fmt.Fprintln(out, `state: not kept (-state ""): counts start at zero and are gone on exit`)
	case sf.discarded:
		fmt.Fprintf(out, "state: -fresh: discarded %s (saved %s); starting with an empty budget\n", sf.path, age(now, sf.saved))
	case !sf.existed:
		fmt.Fprintf(out, "state: no %s yet; starting with an empty budget (saved every snapshot interval and on exit)\n", sf.path)
	default:
		if _, err := os.Stat(sf.path); err != nil {
			// The tracker could not read it and set it aside (logged above).
			fmt.Fprintf(out, "state: %s could not be read and was set aside (see the log); starting with an empty budget\n", sf.path)
			break
		}
		fmt.Fprintf(out, "state: restored from %s, saved %s\n", sf.path, age(now, sf.saved))
		printEvents(out, statuses)
		fmt.Fprintln(out, `  (start with an empty budget: -fresh; keep no state: -state "")`)
	}
	printGate(out, budget.GateOf(statuses))
}

// printStop says what the demo saved on its way out.
func printStop(out io.Writer, sf stateFile, saveErr error, statuses []budget.Status) {
	switch {
	case sf.path == "":
		fmt.Fprintln(out, `state: not saved (-state "")`)
	case saveErr != nil:
		fmt.Fprintf(out, "state: NOT saved to %s: %v\n", sf.path, saveErr)
	default:
		fmt.Fprintf(out, "state: saved to %s\n", sf.path)
		printEvents(out, statuses)
	}
}

// printEvents writes each objective's events in its period, one a line.
func printEvents(out io.Writer, statuses []budget.Status) {
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	for _, st := range statuses {
		name := st.Objective.Name
		if st.Group != "" {
			name += "[" + st.Group + "]"
		}
		fmt.Fprintf(tw, "  %s\t%s in the period, %d bad\n", name, plural(st.Total(), "event"), st.Bad)
	}
	tw.Flush()
}

// printGate writes what /slo/gate answers, and why.
func printGate(out io.Writer, g budget.Gate) {
	if g.Allowed {
		fmt.Fprintln(out, "release gate: allowed (200)")
	} else {
		fmt.Fprintln(out, "release gate: frozen (423)")
	}
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	for _, r := range g.Reasons {
		fmt.Fprintf(tw, "  %s\tbudget %s, %s remaining\n", seriesName(r.Objective, r.Group), r.State, pct(r.Remaining, 1))
	}
	for _, u := range g.Unjudged {
		fmt.Fprintf(tw, "  %s\tnot judged yet: %d of %d events\n", seriesName(u.Objective, u.Group), u.Events, u.EventsNeeded)
	}
	tw.Flush()
	if len(g.Unjudged) > 0 {
		fmt.Fprintf(out, "  (the policy judges a budget once its period holds %d events; until then it holds no release back)\n", g.Unjudged[0].EventsNeeded)
	}
	if !g.Allowed {
		fmt.Fprintln(out, "  (it reopens once enough good events dilute the bad ones, or they leave the period; -fresh starts with an empty budget)")
	}
}

func seriesName(objective, group string) string {
	if group == "" {
		return objective
	}
	return objective + "[" + group + "]"
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// age writes how long ago t was, to the second, with the instant in UTC.
func age(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%s ago, at %s", d, t.UTC().Format("2006-01-02 15:04:05 UTC"))
}
