package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// model is a simulated language model: a time to first token with a long
// tail, a steady pace per token, occasional failures of the kinds real
// providers have, and a quality score a judge would give the answer.
type model struct {
	// failRate is the probability that a call fails (overloaded or an
	// internal error) when the request does not script its outcome.
	failRate float64
	// lowQualityRate is the probability of an answer a judge scores low.
	lowQualityRate float64
}

// script is what a request's X-Simulate-* headers ask for. A scripted
// request is deterministic: no random failure, delay or low score.
type script struct {
	scripted bool
	status   int           // fail with this HTTP status before any byte
	latency  time.Duration // total (non-streaming) or to the first token (streaming)
	hasDelay bool
	linger   time.Duration // after a stream's end, before the handler returns
}

// errModel is a failure of the model with the HTTP status it maps to.
type errModel struct {
	status int
	kind   string
}

func (e *errModel) Error() string { return fmt.Sprintf("model: %s (%d)", e.kind, e.status) }

var words = strings.Fields(`the budget is a promise kept by counting every call that fails and every
call that is slow so that a team knows before its users do when to stop shipping features and fix
what hurts reliability is a feature too`)

// plan decides how a call will go: how long until the first token, the pace
// after it, the tokens, the failure if any, the judge's score.
type plan struct {
	ttft     time.Duration
	perToken time.Duration
	tokens   []string
	err      *errModel
	score    float64
}

func (m *model) plan(prompt string, maxTokens int, sc script) plan {
	if maxTokens <= 0 {
		maxTokens = 16
	}
	maxTokens = min(maxTokens, 256)
	p := plan{score: 1}
	if sc.status != 0 {
		p.err = &errModel{status: sc.status, kind: "scripted"}
		return p
	}
	if !sc.scripted {
		if rand.Float64() < m.failRate {
			if rand.IntN(2) == 0 {
				p.err = &errModel{status: 503, kind: "overloaded"}
			} else {
				p.err = &errModel{status: 500, kind: "internal error"}
			}
			return p
		}
		// Time to first token: log-normal around 180 ms with a long tail
		// (p99 near 0.7 s, one in 500 over 1 s), as prefill queues behave.
		p.ttft = time.Duration(math.Exp(rand.NormFloat64()*0.6+math.Log(0.18)) * float64(time.Second))
		p.perToken = time.Duration(8+rand.IntN(12)) * time.Millisecond
		p.score = 0.75 + 0.25*rand.Float64()
		if rand.Float64() < m.lowQualityRate {
			p.score = 0.2 + 0.4*rand.Float64()
		}
	}
	// A scripted call answers in full, at once after its first token.
	n := maxTokens
	if !sc.scripted {
		n = max(1, maxTokens/2+rand.IntN(maxTokens/2+1))
	}
	seed := len(prompt)
	for i := range n {
		p.tokens = append(p.tokens, words[(seed+i)%len(words)])
	}
	if sc.hasDelay {
		p.ttft = sc.latency
	}
	return p
}

// duration is how long a non-streaming call takes in all.
func (p plan) duration() time.Duration {
	if p.err != nil {
		return 0
	}
	return p.ttft + time.Duration(max(0, len(p.tokens)-1))*p.perToken
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
