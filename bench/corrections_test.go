package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

// The corrections benchmarks: what declared corrections (maintenance
// windows) add to recording, and what declaring one costs when many exist.
// Issue 10 item 6: each case of BenchmarkCorrectedEvents within 1.3× of
// its "none" case, and BenchmarkAddCorrection's existing=10000 within 2× of
// existing=1000.
//
//	go test -run '^$' -bench 'Corrected|AddCorrection' -benchmem -count 10 -cpu 2 | tee new.txt
//	benchstat -col /corrections new.txt

// correctionEdge is where the current occurrence of every recurring case
// ends: five seconds into a 10-second bucket, so that events two seconds
// either side of it fall in the same bucket, one inside the occurrence and
// one outside.
var correctionEdge = time.Date(2026, 3, 2, 12, 0, 5, 0, time.UTC)

// correctionCases are the six cases of issue 10: no correction, four
// recurring rules of growing frequency, and 10,000 one-off corrections.
// Every rule's first occurrence lies days before the edge, so the rule
// recurs up to it.
var correctionCases = []struct {
	name string
	add  func(tr *budget.Tracker) error
}{
	{"none", func(*budget.Tracker) error { return nil }},
	{"weekly-2h", recurring(2*time.Hour, 4*7*24*time.Hour, "FREQ=WEEKLY")},
	{"daily-1h", recurring(time.Hour, 10*24*time.Hour, "FREQ=DAILY")},
	{"hourly-5m", recurring(5*time.Minute, 10*24*time.Hour, "FREQ=DAILY;BYMINUTE=55;BYHOUR="+allOf(24))},
	{"minutely-30s", recurring(30*time.Second, 10*24*time.Hour, "FREQ=DAILY;BYHOUR="+allOf(24)+";BYMINUTE="+allOf(60))},
	{"oneoff-10000", func(tr *budget.Tracker) error { return addOneOffs(tr, 10_000, "") }},
}

// recurring returns a case whose occurrences last d and end at the edge;
// the first occurrence ends back days before it.
func recurring(d, back time.Duration, rule string) func(*budget.Tracker) error {
	return func(tr *budget.Tracker) error {
		start := correctionEdge.Add(-d - back)
		return tr.AddCorrection(budget.Correction{Start: start, End: start.Add(d), Recurrence: rule, Reason: "maintenance " + rule})
	}
}

// addOneOffs declares n one-off corrections of a minute each, one every
// two minutes, the latest ending at the edge.
func addOneOffs(tr *budget.Tracker, n int, idPrefix string) error {
	for i := range n {
		end := correctionEdge.Add(-time.Duration(2*i) * time.Minute)
		c := budget.Correction{Start: end.Add(-time.Minute), End: end, Reason: "incident upstream"}
		if idPrefix != "" {
			c.ID = fmt.Sprint(idPrefix, i)
		}
		if err := tr.AddCorrection(c); err != nil {
			return err
		}
	}
	return nil
}

func allOf(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i)
	}
	return strings.Join(s, ",")
}

// correctedSet is recordSet's pair of objectives, with the clock three
// seconds past the edge.
func correctedSet(tb testing.TB) (*budget.Tracker, budget.Set) {
	tb.Helper()
	month := sli.Rolling(30 * 24 * time.Hour)
	now := correctionEdge.Add(3 * time.Second)
	tr, err := budget.New([]sli.Objective{
		{Name: "availability", Kind: sli.Availability, Target: 0.999, Window: month},
		{Name: "latency", Kind: sli.Latency, Target: 0.99, Threshold: 2 * time.Second, Window: month},
	}, budget.WithClock(func() time.Time { return now }))
	if err != nil {
		tb.Fatal(err)
	}
	var set budget.Set
	for _, name := range []string{"availability", "latency"} {
		s, err := tr.Series(name, "")
		if err != nil {
			tb.Fatal(err)
		}
		set = append(set, s)
	}
	return tr, set
}

// correctedEvent returns the i-th event of the benchmark: events alternate
// between two seconds before the edge (inside the current occurrence) and
// two seconds after it (outside), both in the current bucket.
func correctedEvent(i int) sli.Event {
	at := correctionEdge.Add(-2 * time.Second)
	if i&1 == 1 {
		at = correctionEdge.Add(2 * time.Second)
	}
	return sli.Event{Time: at, Duration: latencies[i&latencyMask], Outcome: sli.Good}
}

// correctedFixtures keeps each case's tracker across the rounds the testing
// package runs to size b.N (and across -count): declaring 10,000 one-off
// corrections took 8.3 s before issue 10.
var correctedFixtures = map[string]budget.Set{}

func BenchmarkCorrectedEvents(b *testing.B) {
	for _, c := range correctionCases {
		b.Run("corrections="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			set, ok := correctedFixtures[c.name]
			if !ok {
				var tr *budget.Tracker
				tr, set = correctedSet(b)
				if err := c.add(tr); err != nil {
					b.Fatal(err)
				}
				set.Record(correctedEvent(0)) // the bucket's first event takes the slow path
				correctedFixtures[c.name] = set
			}
			b.ResetTimer()
			for i := range b.N {
				set.Record(correctedEvent(i))
			}
		})
	}
}

// TestCorrectedEventsCases: in every case but "none", the benchmark's
// events inside the occurrence are excluded and those outside counted, so
// the benchmark measures what it says.
func TestCorrectedEventsCases(t *testing.T) {
	for _, c := range correctionCases {
		tr, set := correctedSet(t)
		if err := c.add(tr); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i := range 1000 {
			set.Record(correctedEvent(i))
		}
		want := int64(500)
		if c.name == "none" {
			want = 1000
		}
		st := tr.Status()[0]
		if st.Good != want {
			t.Errorf("%s: %d events counted, want %d", c.name, st.Good, want)
		}
		if n := len(st.Corrections); n > 10 && c.name != "oneoff-10000" {
			t.Errorf("%s: the status lists %d occurrences", c.name, n)
		}
	}
}

// BenchmarkAddCorrection: declaring one more one-off correction when 1,000
// or 10,000 exist. The one declared lies within the hours the recording
// path lists (it is merged into them) and is withdrawn, untimed, after
// each iteration.
func BenchmarkAddCorrection(b *testing.B) {
	trackers := map[int]*budget.Tracker{} // as correctedFixtures
	for _, n := range []int{1000, 10_000} {
		b.Run(fmt.Sprintf("existing=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			tr, ok := trackers[n]
			if !ok {
				tr, _ = correctedSet(b)
				if err := addOneOffs(tr, n, "c"); err != nil {
					b.Fatal(err)
				}
				trackers[n] = tr
			}
			start := correctionEdge.Add(-3*time.Hour + 10*time.Second)
			b.ResetTimer()
			for i := range b.N {
				c := budget.Correction{ID: "new", Start: start, End: start.Add(time.Duration(1+i%50) * time.Second), Reason: "bench"}
				if err := tr.AddCorrection(c); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := tr.RemoveCorrection("new"); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
