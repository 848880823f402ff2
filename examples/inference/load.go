package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

var prompts = []string{
	"summarise the incident report",
	"write a haiku about error budgets",
	"explain burn rates to a new engineer",
	"translate the release notes",
	"draft a postmortem timeline",
}

// generateLoad sends rate requests per second to base until ctx is done,
// each in its own goroutine (Poisson arrivals), a mix of streaming and
// non-streaming completions. It waits for the requests in flight.
func generateLoad(ctx context.Context, base string, rate float64) {
	client := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		gap := time.Duration(rand.ExpFloat64() / rate * float64(time.Second))
		if sleep(ctx, gap) != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := rand.IntN(5) < 3
			body := fmt.Sprintf(`{"model":"demo-%d","prompt":%q,"max_tokens":%d,"stream":%v}`,
				1+rand.IntN(2), prompts[rand.IntN(len(prompts))], 8+rand.IntN(56), stream)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/completions", bytes.NewBufferString(body))
			if err != nil {
				return
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
}
