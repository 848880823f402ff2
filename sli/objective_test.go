package sli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

func TestValidateAllReportsEveryProblemAtOnce(t *testing.T) {
	objs := []sli.Objective{
		{Name: "chat", Target: 1.2},
		{Name: "neg", Target: 0.99, Window: sli.Rolling(-time.Hour)},
		{Name: "", Target: 0.99},
		{Name: "dup", Target: 0.99},
		{Name: "dup", Target: 0.999},
		{Name: "slow", Kind: sli.Latency, Target: 0.99},
		{Name: "zone", Target: 0.99, Window: sli.CalendarMonth("Mars/Olympus_Mons")},
		{Name: "ok", Target: 0.999},
	}
	err := sli.ValidateAll(objs)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`sli: objective "chat": target must be in (0,1), got 1.2`,
		`sli: objective "neg": window must be positive, got -1h0m0s`,
		`sli: objective "": name is empty`,
		`sli: objective "dup": name is declared more than once`,
		`sli: objective "slow": latency kind needs a positive threshold, got 0s`,
		`sli: objective "zone": time zone "Mars/Olympus_Mons"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"ok"`) {
		t.Errorf("error names the valid objective:\n%v", err)
	}
}

func TestVerdicts(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := sli.Event{Time: at, Outcome: sli.Good, Duration: 2 * time.Second, FirstToken: 300 * time.Millisecond, OutputTokens: 101}
	failed := ok
	failed.Outcome = sli.Bad
	cases := []struct {
		name string
		o    sli.Objective
		e    sli.Event
		want sli.Outcome
	}{
		{"availability good", sli.Objective{}, ok, sli.Good},
		{"availability bad", sli.Objective{}, failed, sli.Bad},
		{"availability excluded", sli.Objective{}, sli.Event{Outcome: sli.Excluded}, sli.Excluded},
		{"latency at threshold", sli.Objective{Kind: sli.Latency, Threshold: 2 * time.Second}, ok, sli.Good},
		{"latency over", sli.Objective{Kind: sli.Latency, Threshold: time.Second}, ok, sli.Bad},
		{"latency failed excluded", sli.Objective{Kind: sli.Latency, Threshold: time.Second}, failed, sli.Excluded},
		{"latency failed counted", sli.Objective{Kind: sli.Latency, Threshold: time.Second, IncludeFailures: true}, failed, sli.Bad},
		{"ttft good", sli.Objective{Kind: sli.TimeToFirstToken, Threshold: 500 * time.Millisecond}, ok, sli.Good},
		{"ttft none", sli.Objective{Kind: sli.TimeToFirstToken, Threshold: 500 * time.Millisecond}, sli.Event{Outcome: sli.Good}, sli.Excluded},
		// (2s − 0.3s) / 100 = 17 ms per token.
		{"tpot good", sli.Objective{Kind: sli.TimePerOutputToken, Threshold: 17 * time.Millisecond}, ok, sli.Good},
		{"tpot bad", sli.Objective{Kind: sli.TimePerOutputToken, Threshold: 16 * time.Millisecond}, ok, sli.Bad},
		{"tpot one token", sli.Objective{Kind: sli.TimePerOutputToken, Threshold: time.Second}, sli.Event{Outcome: sli.Good, OutputTokens: 1, FirstToken: 1, Duration: 2}, sli.Excluded},
		{"quality unscored", sli.Objective{Kind: sli.Quality, MinScore: 0.5}, ok, sli.Excluded},
		{"quality low", sli.Objective{Kind: sli.Quality, MinScore: 0.5}, sli.Event{Outcome: sli.Good, Scored: true, Score: 0.4}, sli.Bad},
		{"quality at floor", sli.Objective{Kind: sli.Quality, MinScore: 0.5}, sli.Event{Outcome: sli.Good, Scored: true, Score: 0.5}, sli.Good},
		{"quality of a failed call", sli.Objective{Kind: sli.Quality, MinScore: 0.5}, sli.Event{Outcome: sli.Bad, Scored: true, Score: 0.9}, sli.Excluded},
		{"custom", sli.Objective{Kind: sli.Custom, Classify: func(e sli.Event) sli.Outcome {
			if e.ErrorType == "empty" {
				return sli.Bad
			}
			return sli.Good
		}}, sli.Event{ErrorType: "empty"}, sli.Bad},
		{"include filters", sli.Objective{Include: func(e sli.Event) bool { return e.Streaming }}, ok, sli.Excluded},
	}
	for _, c := range cases {
		if got := c.o.Verdict(c.e); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestKindText(t *testing.T) {
	for k := sli.Availability; k <= sli.Quality; k++ {
		b, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back sli.Kind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("%v round-trips to %v (%v)", k, back, err)
		}
	}
	var k sli.Kind
	if err := k.UnmarshalText([]byte("speed")); err == nil {
		t.Error("unknown kind accepted")
	}
}
