package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// The official OpenAI Go SDK closes the connection as soon as it reads
// [DONE], often before the demo's handler has returned; the server then
// sees its request's context canceled. A stream the client received whole
// counts as good all the same, for availability (httpslo, told by
// inferenceslo's successful End that the response was complete) as for
// time to first token (inferenceslo): issue 10, item 12.
func TestDemoOpenAISDKStreamsCountGood(t *testing.T) {
	const streams = 500
	d := startDemo(t, freeAddr(t), "-load", "0", "-state", "")
	client := openai.NewClient(
		option.WithBaseURL(d.base+"/v1/"),
		option.WithAPIKey("demo"),
		option.WithMaxRetries(0),
		option.WithHeader("X-Simulate-Latency", "1ms"))
	// Half the streams linger after "[DONE]" until the client hangs up, so
	// that each of them meets what an unhurried handler meets now and then;
	// the other half return at once, as the demo's do.
	linger := option.WithHeader("X-Simulate-Linger", "10s")
	ctx := untilDeadline(t)

	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, streams)
	for i := range streams {
		opts := []option.RequestOption{}
		if i%2 == 0 {
			opts = append(opts, linger)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s := client.Completions.NewStreaming(ctx, openai.CompletionNewParams{
				Model:     "demo",
				Prompt:    openai.CompletionNewParamsPromptUnion{OfString: openai.String("hello there")},
				MaxTokens: openai.Int(6),
			}, opts...)
			var text strings.Builder
			for s.Next() {
				for _, c := range s.Current().Choices {
					text.WriteString(c.Text)
				}
			}
			if err := s.Err(); err != nil {
				errs <- err
			} else if len(strings.Fields(text.String())) != 6 {
				errs <- &streamError{text.String()}
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// The server records a stream once its handler returns, which may be
	// after the client has read [DONE]: wait until every stream is counted
	// (good, bad or excluded), then compare.
	var avail, ttft sloEvents
	patience := untilDeadline(t)
	for {
		objs := d.events()
		avail, ttft = objs["completions-availability"], objs["completions-ttft"]
		if avail.total() >= streams && ttft.total() >= streams || patience.Err() != nil {
			break
		}
		// Real time is inherent: the demo is a real subprocess over real HTTP, its cache on the wall clock.
		time.Sleep(200 * time.Millisecond) // polling the endpoint's 1 s cache
	}
	if avail.Good != streams || avail.Bad != 0 || avail.Excluded != 0 {
		t.Errorf("availability: good/bad/excluded %d/%d/%d, want %d/0/0: every stream reached [DONE]", avail.Good, avail.Bad, avail.Excluded, streams)
	}
	if ttft.Good != streams || ttft.Bad != 0 || ttft.Excluded != 0 {
		t.Errorf("ttft: good/bad/excluded %d/%d/%d, want %d/0/0", ttft.Good, ttft.Bad, ttft.Excluded, streams)
	}
}

type streamError struct{ text string }

func (e *streamError) Error() string { return "stream text " + e.text + ": want 6 words" }

type sloEvents struct {
	Good, Bad, Excluded int64
}

func (e sloEvents) total() int64 { return e.Good + e.Bad + e.Excluded }

// events returns each objective's events, excluded ones included.
func (d *demo) events() map[string]sloEvents {
	d.t.Helper()
	resp, err := http.Get(d.base + "/slo")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Objectives []struct {
			Name   string `json:"name"`
			Events struct {
				Good     int64 `json:"good"`
				Bad      int64 `json:"bad"`
				Excluded int64 `json:"excluded"`
			} `json:"events"`
		} `json:"objectives"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		d.t.Fatal(err)
	}
	out := map[string]sloEvents{}
	for _, o := range body.Objectives {
		out[o.Name] = sloEvents{o.Events.Good, o.Events.Bad, o.Events.Excluded}
	}
	return out
}

// A client that leaves mid-stream was not served, and the demo gives up on
// the stream when it leaves: excluded, for availability and time to first
// token alike, never good.
func TestDemoStreamAbandonedMidwayExcluded(t *testing.T) {
	const streams = 20
	d := startDemo(t, freeAddr(t), "-load", "0", "-state", "", "-fail-rate", "0", "-low-quality-rate", "0")
	for range streams {
		// Unscripted: 128 tokens or more, 8 ms or more apart; the client
		// reads the first one and hangs up.
		body := `{"model":"demo","prompt":"hello","max_tokens":256,"stream":true}`
		resp, err := http.Post(d.base+"/v1/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() && !strings.HasPrefix(sc.Text(), "data: ") {
		}
		resp.Body.Close()
	}
	var avail, ttft sloEvents
	patience := untilDeadline(t)
	for {
		objs := d.events()
		avail, ttft = objs["completions-availability"], objs["completions-ttft"]
		if avail.total() >= streams && ttft.total() >= streams || patience.Err() != nil {
			break
		}
		// Real time is inherent: the demo is a real subprocess over real HTTP, its cache on the wall clock.
		time.Sleep(200 * time.Millisecond) // polling the endpoint's 1 s cache
	}
	if avail != (sloEvents{Excluded: streams}) {
		t.Errorf("availability: %+v, want %d excluded", avail, streams)
	}
	if ttft != (sloEvents{Excluded: streams}) {
		t.Errorf("ttft: %+v, want %d excluded", ttft, streams)
	}
}
