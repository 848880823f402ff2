package inferenceslo_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

// An application that calls a model over HTTP, with an OpenAI-style
// streaming API: wrapping the http.Client's transport is enough for
// availability, latency and the error taxonomy; the streaming loop adds one
// line per token and one for the usage the provider reports.
func Example() {
	provider := fakeProvider() // stands in for https://api.openai.com
	defer provider.Close()

	objectives := []sli.Objective{
		{Name: "chat-availability", Target: 0.995},
		{Name: "chat-ttft", Kind: sli.TimeToFirstToken, Target: 0.99, Threshold: 2 * time.Second, GroupBy: "model"},
		{Name: "chat-latency", Kind: sli.Latency, Target: 0.99, Threshold: 30 * time.Second},
	}
	tr, err := budget.New(objectives)
	if err != nil {
		log.Fatal(err)
	}
	// The GenAI metrics go to otel.GetMeterProvider() unless
	// WithMeterProvider says otherwise.
	inst, err := inferenceslo.New(tr, inferenceslo.WithProvider("openai"))
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: inst.Transport(http.DefaultTransport)}

	for range 2 {
		answer, err := complete(context.Background(), client, provider.URL, "gpt-4o-mini", "Say hello")
		fmt.Printf("answer %q, error %v\n", answer, err)
	}
	for _, st := range tr.Status() {
		fmt.Printf("%s %s: good %d, bad %d\n", st.Objective.Name, st.Group, st.Good, st.Bad)
	}
	// Output:
	// answer "Hello, world!", error <nil>
	// answer "", error provider: 429 Too Many Requests
	// chat-availability : good 1, bad 1
	// chat-ttft gpt-4o-mini: good 1, bad 0
	// chat-latency : good 1, bad 0
}

// complete asks model for a streamed chat completion through client.
func complete(ctx context.Context, client *http.Client, baseURL, model, prompt string) (string, error) {
	// The transport does not parse bodies: name the model in the context.
	ctx = inferenceslo.ContextWithRequest(ctx, inferenceslo.Request{Model: model, Stream: true})
	body, _ := json.Marshal(map[string]any{
		"model":          model,
		"stream":         true,
		"stream_options": map[string]bool{"include_usage": true},
		"messages":       []map[string]string{{"role": "user", "content": prompt}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err // recorded: timeout, canceled, …
	}
	defer resp.Body.Close() // ends the call
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("provider: %s", resp.Status) // recorded from the status
	}
	call := inferenceslo.ResponseCall(resp)
	var answer strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var chunk struct {
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
			Usage *struct {
				PromptTokens     int64 `json:"prompt_tokens"`
				CompletionTokens int64 `json:"completion_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			call.Fail(inferenceslo.InvalidOutput)
			return "", err
		}
		for _, c := range chunk.Choices {
			if c.Delta.Content != "" {
				call.Token() // the first one is the time to first token
				answer.WriteString(c.Delta.Content)
			}
		}
		if u := chunk.Usage; u != nil {
			call.SetUsage(u.PromptTokens, u.CompletionTokens)
		}
	}
	return answer.String(), sc.Err() // a broken stream is recorded at Close
}

// fakeProvider streams "Hello, world!" in three tokens, then refuses the next
// request with a 429.
func fakeProvider() *httptest.Server {
	var n atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 1 {
			http.Error(w, `{"error":{"type":"rate_limit_exceeded"}}`, http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, tok := range []string{"Hello", ", world", "!"} {
			fmt.Fprintf(w, "data: {\"choices\":[{\"delta\":{\"content\":%q}}]}\n\n", tok)
			http.NewResponseController(w).Flush()
		}
		io.WriteString(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}\n\n")
		io.WriteString(w, "data: [DONE]\n\n")
	}))
}

// A streaming loop instrumented by hand, for a provider SDK or a local
// model: one line per token, one at the end. The fake clock makes the
// figures exact.
func ExampleInstrument_Start() {
	clk := budgettest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	tr, _ := budget.New([]sli.Objective{
		{Name: "ttft", Kind: sli.TimeToFirstToken, Target: 0.99, Threshold: 500 * time.Millisecond},
		{Name: "tpot", Kind: sli.TimePerOutputToken, Target: 0.99, Threshold: 50 * time.Millisecond},
	}, budget.WithClock(clk.Now))
	// Calls read the tracker's clock, here the fake one.
	inst, _ := inferenceslo.New(tr, inferenceslo.WithProvider("ollama"))

	call := inst.Start(context.Background(), "llama3")
	clk.Advance(300 * time.Millisecond) // the model thinks
	for range 11 {
		call.Token()
		clk.Advance(40 * time.Millisecond)
	}
	call.End(nil)

	for _, st := range tr.Status() {
		fmt.Printf("%s: good %d, bad %d, max %vs\n", st.Objective.Name, st.Good, st.Bad, st.Latency.Max.Value)
	}
	// Output:
	// ttft: good 1, bad 0, max 0.3s
	// tpot: good 1, bad 0, max 0.044s
}
