package inferenceslo_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/genaiotel"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

// client returns an http.Client whose transport records into r's instrument.
func (r *rig) client() *http.Client {
	return &http.Client{Transport: r.inst.Transport(nil)}
}

// TestTransportStream: the transport alone finds the first event of a
// server-sent stream and its end; the usage the application passes on gives
// the tokens.
func TestTransportStream(t *testing.T) {
	r := newRig(t, objectives())
	// 300 ms to the first token, four more at 20 ms: ends at 380 ms.
	m, url := serve(t, r.clk, tokens(300*time.Millisecond, 5, 20*time.Millisecond), 0)
	ctx := inferenceslo.ContextWithRequest(context.Background(), inferenceslo.Request{Model: "gpt-x"})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{}`))
	resp, err := r.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			m.ack <- struct{}{}
		}
	}
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
	inferenceslo.ResponseCall(resp).SetUsage(10, 5)
	resp.Body.Close()

	r.counts(t, "avail", 1, 0, 0)
	r.counts(t, "ttft", 1, 0, 0)
	r.counts(t, "tpot", 1, 0, 0)
	if l := r.status(t, "ttft", "").Latency; l.Max.Value != 0.3 {
		t.Errorf("time to first token %v, want 0.3", l.Max)
	}
	if l := r.status(t, "tpot", "").Latency; l.Max.Value != 0.02 {
		t.Errorf("time per output token %v, want 0.02", l.Max)
	}
	ms := r.metrics(t)
	for _, c := range []struct {
		name  string
		count uint64
		sum   float64
	}{
		{genaiotel.MetricOperationDuration, 1, 0.38},
		{genaiotel.MetricTimeToFirstChunk, 1, 0.3},
		{genaiotel.MetricTimePerOutputChunk, 1, 0.016}, // six events, [DONE] included
		{genaiotel.MetricTokenUsage, 2, 15},
	} {
		p := points(t, ms[c.name])
		var count uint64
		var sum float64
		for _, x := range p {
			count += x.count
			sum += x.sum
			if v, _ := x.attrs.Value("gen_ai.request.model"); v.AsString() != "gpt-x" {
				t.Errorf("%s: model %q, want gpt-x", c.name, v.AsString())
			}
		}
		if count != c.count || !near(sum, c.sum) {
			t.Errorf("%s: count %d sum %v, want %d and %v", c.name, count, sum, c.count, c.sum)
		}
	}
}

// handler serves one canned answer.
func handler(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// TestTransportOutcomes: one request per case through the transport, read to
// the end by the application and closed; the duration's error.type and the
// availability verdict follow the taxonomy.
func TestTransportOutcomes(t *testing.T) {
	const sse, js = "text/event-stream", "application/json"
	cases := []struct {
		name      string
		h         http.HandlerFunc
		usage     []int64 // passed to SetUsage when set
		fail      inferenceslo.ErrorType
		errorType string // "" for none
		bad       bool
	}{
		{name: "json answer", h: handler(200, js, `{"choices":[]}`), usage: []int64{10, 20}},
		{name: "json, zero output tokens", h: handler(200, js, `{"choices":[]}`), usage: []int64{10, 0}, errorType: "invalid_output", bad: true},
		{name: "json, validator says no", h: handler(200, js, `{"choices":[]}`), fail: inferenceslo.InvalidOutput, errorType: "invalid_output", bad: true},
		{name: "json, content filtered", h: handler(200, js, `{"choices":[]}`), fail: inferenceslo.ContentFiltered, errorType: "content_filtered"},
		{name: "empty body", h: handler(200, js, ""), errorType: "invalid_output", bad: true},
		{name: "stream", h: handler(200, sse, "data: {}\n\ndata: [DONE]\n\n")},
		{name: "stream, CRLF", h: handler(200, sse, "data: {}\r\n\r\n")},
		{name: "stream ends mid-event", h: handler(200, sse, "data: {}\n\ndata: {\"tok"), errorType: "broken_stream", bad: true},
		{name: "stream ends mid-first-event", h: handler(200, sse, "data: {\"tok"), errorType: "broken_stream", bad: true},
		{name: "ndjson", h: handler(200, "application/x-ndjson", "{}\n{}\n")},
		{name: "ndjson ends mid-line", h: handler(200, "application/x-ndjson", "{}\n{"), errorType: "broken_stream", bad: true},
		{name: "400", h: handler(400, js, `{}`), errorType: "invalid_request", bad: true},
		{name: "408", h: handler(408, js, `{}`), errorType: "timeout", bad: true},
		{name: "429", h: handler(429, js, `{}`), errorType: "rate_limited", bad: true},
		{name: "500", h: handler(500, js, `{}`), errorType: "provider_error", bad: true},
		{name: "503", h: handler(503, js, `{}`), errorType: "overloaded", bad: true},
		{name: "504", h: handler(504, js, `{}`), errorType: "timeout", bad: true},
		{name: "529", h: handler(529, js, `{}`), errorType: "overloaded", bad: true},
		{name: "stream breaks", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", sse)
			_, _ = io.WriteString(w, "data: {}\n\n")
			_ = http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}, errorType: "broken_stream", bad: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, objectives())
			srv := httptest.NewServer(c.h)
			defer srv.Close()
			resp, err := r.client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.ReadAll(resp.Body)
			call := inferenceslo.ResponseCall(resp)
			if c.usage != nil {
				call.SetUsage(c.usage[0], c.usage[1])
			}
			call.Fail(c.fail)
			resp.Body.Close()
			var good, bad, excl int64 = 1, 0, 0
			if c.bad {
				good, bad = 0, 1
			} else if c.errorType != "" {
				good, excl = 0, 1
			}
			r.counts(t, "avail", good, bad, excl)
			if got := r.errorTypes(t); got[c.errorType] != 1 || len(got) != 1 {
				t.Errorf("error types %v, want %q once", got, c.errorType)
			}
		})
	}
}

// TestTransportErrors: errors of the round trip itself.
func TestTransportErrors(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		r := newRig(t, objectives())
		srv := httptest.NewServer(handler(200, "", "x"))
		url := srv.URL
		srv.Close()
		if _, err := r.client().Get(url); err == nil {
			t.Fatal("no error")
		}
		r.counts(t, "avail", 0, 1, 0)
		if got := r.errorTypes(t); got["_OTHER"] != 1 {
			t.Errorf("error types %v, want _OTHER", got)
		}
	})
	t.Run("client timeout", func(t *testing.T) {
		r := newRig(t, objectives())
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer srv.Close()
		c := r.client()
		c.Timeout = 20 * time.Millisecond
		if _, err := c.Get(srv.URL); err == nil {
			t.Fatal("no error")
		}
		r.counts(t, "avail", 0, 1, 0)
		if got := r.errorTypes(t); got["timeout"] != 1 {
			t.Errorf("error types %v, want timeout", got)
		}
	})
	t.Run("caller cancels while waiting", func(t *testing.T) {
		r := newRig(t, objectives())
		arrived := make(chan struct{})
		var once sync.Once
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(arrived) })
			<-r.Context().Done()
		}))
		defer srv.Close()
		// A call with a deadline, canceled by its caller once the server
		// has it (and the deadline is far): canceled, not timed out.
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		ctx, cancelNow := context.WithCancel(ctx)
		go func() { <-arrived; cancelNow() }()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if _, err := r.client().Do(req); err == nil {
			t.Fatal("no error")
		}
		r.counts(t, "avail", 0, 0, 1)
		if got := r.errorTypes(t); got[""] != 1 {
			t.Errorf("error types %v, want none", got)
		}
	})
	t.Run("body closed mid-event", func(t *testing.T) {
		r := newRig(t, objectives())
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: {}\n\ndata: {\"tok")
			_ = http.NewResponseController(w).Flush()
			<-r.Context().Done()
		}))
		defer srv.Close()
		resp, err := r.client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n := 0
		for n < len("data: {}\n\ndata: {\"tok") {
			k, err := resp.Body.Read(buf[n:])
			if err != nil {
				t.Fatal(err)
			}
			n += k
		}
		resp.Body.Close() // the application gives up
		r.counts(t, "avail", 0, 0, 1)
	})
}

// TestTransportRequestFunc: the request function names provider and model.
func TestTransportRequestFunc(t *testing.T) {
	objs := objectives()
	objs[0].GroupBy = sli.GroupByModel
	r := newRig(t, objs, inferenceslo.WithRequestFunc(func(req *http.Request) inferenceslo.Request {
		return inferenceslo.Request{Provider: "acme", Model: req.Header.Get("X-Model")}
	}))
	srv := httptest.NewServer(handler(200, "application/json", "{}"))
	defer srv.Close()
	c := r.client()
	for _, m := range []string{"small", "large", "small"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("X-Model", m)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if st := r.status(t, "avail", "small"); st.Good != 2 {
		t.Errorf("small: good %d, want 2", st.Good)
	}
	if st := r.status(t, "avail", "large"); st.Good != 1 {
		t.Errorf("large: good %d, want 1", st.Good)
	}
	for _, p := range points(t, r.metrics(t)[genaiotel.MetricOperationDuration]) {
		if v, _ := p.attrs.Value("gen_ai.provider.name"); v.AsString() != "acme" {
			t.Errorf("provider %q, want acme", v.AsString())
		}
	}
}

// TestTransportNoBody: a redirect is no call (the request it leads to is);
// a 204 and a HEAD succeed without a body.
func TestTransportNoBody(t *testing.T) {
	r := newRig(t, objectives())
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusFound) })
	mux.HandleFunc("/new", handler(200, "application/json", "{}"))
	mux.HandleFunc("/none", handler(204, "", ""))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := r.client()
	for _, path := range []string{"/old", "/none"} {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	resp, err := c.Head(srv.URL + "/new")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r.counts(t, "avail", 3, 0, 0)
}
