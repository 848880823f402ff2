package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// A request naming a 200 KB model, streamed or not, must not make every
// later scrape carry it: /metrics stays under 1 MB (issue 10, item 10).
func TestDemoLongModelKeepsMetricsSmall(t *testing.T) {
	d := startDemo(t, freeAddr(t), "-load", "0", "-state", "")
	model := strings.Repeat("m", 200<<10)
	for _, stream := range []bool{false, true} {
		body := fmt.Sprintf(`{"model":%q,"prompt":"hi","max_tokens":4,"stream":%v}`, model, stream)
		req, _ := http.NewRequest(http.MethodPost, d.base+"/v1/completions", strings.NewReader(body))
		req.Header.Set("X-Simulate-Latency", "1ms")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %v: status %d", stream, resp.StatusCode)
		}
	}
	_, metrics := d.get("/metrics")
	if len(metrics) >= 1<<20 {
		t.Errorf("/metrics is %d bytes after one request naming a 200 KB model, want under 1 MB", len(metrics))
	}
	if !strings.Contains(metrics, `gen_ai_request_model="_OTHER"`) {
		t.Errorf("/metrics has no gen_ai_request_model=\"_OTHER\":\n%s", grep(metrics, "gen_ai_client_operation_duration_seconds_count"))
	}
}
