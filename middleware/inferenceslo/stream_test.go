package inferenceslo_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/genaiotel"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
)

// step is one event of a simulated model's stream: the fake clock moves by
// after, then the event is written and flushed.
type step struct {
	after time.Duration
	data  string // "[DONE]" ends the stream
	abort bool   // drop the connection instead of writing
}

// tokens scripts a stream: the first token after ttft, n−1 more every gap,
// then [DONE].
func tokens(ttft time.Duration, n int, gap time.Duration) []step {
	s := []step{{after: ttft, data: `{"token":"t0"}`}}
	for i := 1; i < n; i++ {
		s = append(s, step{after: gap, data: fmt.Sprintf(`{"token":"t%d"}`, i)})
	}
	return append(s, step{data: "[DONE]"})
}

// model is a simulated model served over server-sent events. It moves the
// shared fake clock by each step's delay before writing the step, and waits
// for the client to acknowledge each event before the next, so that every
// clock reading the client makes lands exactly on the script.
type model struct {
	clk    *budgettest.Clock
	script []step
	status int
	ack    chan struct{}
}

// serve starts a simulated model on loopback for one call (so that no
// acknowledgement can outlive its call).
func serve(t *testing.T, clk *budgettest.Clock, script []step, status int) (*model, string) {
	m := &model{clk: clk, script: script, status: status, ack: make(chan struct{}, len(script))}
	srv := httptest.NewServer(m) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return m, srv.URL
}

func (m *model) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.status != 0 {
		http.Error(w, `{"error":{"type":"rate_limit_error"}}`, m.status)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	for _, s := range m.script {
		m.clk.Advance(s.after)
		if s.abort {
			panic(http.ErrAbortHandler) // the connection drops mid-stream
		}
		fmt.Fprintf(w, "data: %s\n\n", s.data)
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-m.ack:
		case <-r.Context().Done():
			return
		}
	}
}

// chat is the client loop an application would write: start a call, read the
// stream line by line, one Token per content event, End with what went
// wrong. onToken runs after each token (the cancellation test cancels there).
func chat(ctx context.Context, inst *inferenceslo.Instrument, url string, ack chan<- struct{}, onToken func(n int)) error {
	call := inst.StartRequest(ctx, inferenceslo.Request{Model: "m1", Stream: true})
	err := read(ctx, &call, url, ack, onToken)
	call.End(err)
	return err
}

func read(ctx context.Context, call *inferenceslo.Call, url string, ack chan<- struct{}, onToken func(n int)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"model":"m1","stream":true}`))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return inferenceslo.NewError(inferenceslo.ClassifyStatus(resp.StatusCode), fmt.Errorf("status %d", resp.StatusCode))
	}
	sc := bufio.NewScanner(resp.Body)
	n := 0
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			ack <- struct{}{}
			return nil
		}
		call.Token()
		n++
		if onToken != nil {
			onToken(n)
		}
		ack <- struct{}{}
		if err := ctx.Err(); err != nil {
			return err // the caller gave up; stop reading
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF // the stream ended before [DONE]
}

// TestStreamMatchesScript runs three scripted streams over loopback: the
// status holds exactly the script's first-token times, per-token times and
// durations.
func TestStreamMatchesScript(t *testing.T) {
	r := newRig(t, objectives())
	scripts := []struct {
		name   string
		script []step
	}{
		// 300 ms to the first token, 9 more at 20 ms: 480 ms, 20 ms/token.
		{"fast", tokens(300*time.Millisecond, 10, 20*time.Millisecond)},
		// 900 ms to the first token (bad), 4 more at 25 ms: 1 s exactly.
		{"slow start", tokens(900*time.Millisecond, 5, 25*time.Millisecond)},
		// 200 ms to the first token, 5 more at 100 ms (bad): 700 ms.
		{"slow tokens", tokens(200*time.Millisecond, 6, 100*time.Millisecond)},
	}
	for _, s := range scripts {
		m, url := serve(t, r.clk, s.script, 0)
		if err := chat(context.Background(), r.inst, url, m.ack, nil); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	r.counts(t, "avail", 3, 0, 0)
	r.counts(t, "ttft", 2, 1, 0)
	r.counts(t, "tpot", 2, 1, 0)
	r.counts(t, "latency", 3, 0, 0) // 1 s equals the threshold: good

	for _, c := range []struct {
		objective string
		max       float64
	}{
		{"ttft", 0.9},
		{"tpot", 0.1},
		{"latency", 1.0},
	} {
		l := r.status(t, c.objective, "").Latency
		if l.Count != 3 || !l.Max.Valid || l.Max.Value != c.max {
			t.Errorf("%s latency: count %d max %v, want 3 and %v", c.objective, l.Count, l.Max, c.max)
		}
	}

	// The GenAI metrics agree: first chunks 0.3 + 0.9 + 0.2 s, per-chunk means
	// 0.02 + 0.025 + 0.1 s, 21 output tokens.
	ms := r.metrics(t)
	sum := func(name string) float64 {
		var s float64
		for _, dp := range ms[name].Data.(metricdata.Histogram[float64]).DataPoints {
			s += dp.Sum
		}
		return s
	}
	for _, c := range []struct {
		name string
		want float64
	}{
		{genaiotel.MetricTimeToFirstChunk, 1.4},
		{genaiotel.MetricTimePerOutputChunk, 0.145},
		{genaiotel.MetricOperationDuration, 2.18},
	} {
		if got := sum(c.name); !near(got, c.want) {
			t.Errorf("%s: sum %v, want %v", c.name, got, c.want)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestStreamBreaksAfterTokens: a connection dropped after three tokens is bad,
// broken_stream.
func TestStreamBreaksAfterTokens(t *testing.T) {
	r := newRig(t, objectives())
	m, url := serve(t, r.clk, append(tokens(100*time.Millisecond, 3, 10*time.Millisecond)[:3], step{after: 10 * time.Millisecond, abort: true}), 0)
	err := chat(context.Background(), r.inst, url, m.ack, nil)
	if err == nil {
		t.Fatal("the stream did not fail")
	}
	r.counts(t, "avail", 0, 1, 0)
	r.counts(t, "ttft", 0, 0, 1) // failed calls are excluded from latency kinds
	if got := r.errorTypes(t); got["broken_stream"] != 1 || len(got) != 1 {
		t.Errorf("error types %v, want broken_stream once", got)
	}
}

// TestStreamEndsWithoutDone: a stream that ends cleanly but before its
// [DONE] is broken too.
func TestStreamEndsWithoutDone(t *testing.T) {
	r := newRig(t, objectives())
	m, url := serve(t, r.clk, tokens(100*time.Millisecond, 4, 10*time.Millisecond)[:4], 0)
	if err := chat(context.Background(), r.inst, url, m.ack, nil); err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v", err)
	}
	r.counts(t, "avail", 0, 1, 0)
	if got := r.errorTypes(t); got["broken_stream"] != 1 {
		t.Errorf("error types %v, want broken_stream", got)
	}
}

// TestStreamEmpty: a completion without a single token is bad,
// invalid_output.
func TestStreamEmpty(t *testing.T) {
	r := newRig(t, objectives())
	m, url := serve(t, r.clk, []step{{after: 300 * time.Millisecond, data: "[DONE]"}}, 0)
	if err := chat(context.Background(), r.inst, url, m.ack, nil); err != nil {
		t.Fatal(err)
	}
	r.counts(t, "avail", 0, 1, 0)
	if got := r.errorTypes(t); got["invalid_output"] != 1 || len(got) != 1 {
		t.Errorf("error types %v, want invalid_output once", got)
	}
}

// TestStreamCanceledByCaller: the caller cancels after two tokens; the call
// counts neither way, and its duration carries no error.type.
func TestStreamCanceledByCaller(t *testing.T) {
	r := newRig(t, objectives())
	m, url := serve(t, r.clk, tokens(100*time.Millisecond, 10, 10*time.Millisecond), 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := chat(ctx, r.inst, url, m.ack, func(n int) {
		if n == 2 {
			cancel()
		}
	})
	if err == nil {
		t.Fatal("the canceled stream did not fail")
	}
	for _, o := range []string{"avail", "ttft", "tpot", "latency"} {
		r.counts(t, o, 0, 0, 1)
	}
	if got := r.errorTypes(t); got[""] != 1 || len(got) != 1 {
		t.Errorf("error types %v, want one point without error.type", got)
	}
}

// TestStreamRateLimited: a 429 from the provider is bad, rate_limited.
func TestStreamRateLimited(t *testing.T) {
	r := newRig(t, objectives())
	m, url := serve(t, r.clk, nil, http.StatusTooManyRequests)
	if err := chat(context.Background(), r.inst, url, m.ack, nil); inferenceslo.ClassifyError(err) != inferenceslo.RateLimited {
		t.Fatalf("err = %v", err)
	}
	r.counts(t, "avail", 0, 1, 0)
	if got := r.errorTypes(t); got["rate_limited"] != 1 || len(got) != 1 {
		t.Errorf("error types %v, want rate_limited once", got)
	}
}
