package sli_test

import (
	"fmt"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// Declarations are plain values; Validate reports every problem at once.
func ExampleObjective_Validate() {
	o := sli.Objective{
		Name:   "completions-latency",
		Kind:   sli.Latency,
		Target: 99, // a percentage where a ratio belongs
		Window: sli.Rolling(-24 * time.Hour),
	}
	fmt.Println(o.Validate())
	// Output:
	// sli: objective "completions-latency": target must be in (0,1), got 99
	// sli: objective "completions-latency": latency kind needs a positive threshold, got 0s
	// sli: objective "completions-latency": window must be positive, got -24h0m0s
}

// An objective classifies each completed call as good, bad or excluded.
func ExampleObjective_Verdict() {
	ttft := sli.Objective{Name: "chat-ttft", Kind: sli.TimeToFirstToken, Target: 0.95, Threshold: 800 * time.Millisecond}
	calls := []sli.Event{
		{Outcome: sli.Good, Streaming: true, FirstToken: 350 * time.Millisecond},
		{Outcome: sli.Good, Streaming: true, FirstToken: 1200 * time.Millisecond},
		{Outcome: sli.Bad, ErrorType: "overloaded"}, // counts against availability, not latency
	}
	for _, e := range calls {
		fmt.Println(ttft.Verdict(e))
	}
	// Output:
	// good
	// bad
	// excluded
}
