package httpslo_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/errbudget/errbudget/sli"
)

// TestHTTP2 runs the wrapper over HTTP/2: flushing streams, hijacking is
// refused as net/http refuses it, and a stream the client resets is the
// caller going away.
func TestHTTP2(t *testing.T) {
	p := &probe{}
	tr, _ := newTracker(t, p.objective("probe"), availability("per-route", sli.GroupByRoute))
	entered := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("protocol %s, want HTTP/2", r.Proto)
		}
		if _, _, err := http.NewResponseController(w).Hijack(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Hijack over HTTP/2: %v, want http.ErrNotSupported", err)
		}
		io.WriteString(w, "data: 1\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	})
	mux.HandleFunc("GET /hang", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	var wg sync.WaitGroup
	srv := httptest.NewUnstartedServer(waited(&wg, wrap(t, mux, tr)))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	wg.Add(1)
	resp, err := srv.Client().Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "data: 1\n\n" {
		t.Errorf("body %q", body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/hang", nil)
	wg.Add(1)
	done := make(chan error)
	go func() {
		_, err := srv.Client().Do(req)
		done <- err
	}()
	<-entered
	cancel()
	<-done
	wg.Wait()

	if got := countsOf(t, tr, "per-route", "GET /stream"); got != (counts{good: 1}) {
		t.Errorf("stream: counts %+v, want 1 good", got)
	}
	if got := countsOf(t, tr, "per-route", "GET /hang"); got != (counts{excluded: 1}) {
		t.Errorf("reset stream: counts %+v, want 1 excluded", got)
	}
	for _, e := range p.all() {
		if e.Outcome == sli.Good && !e.Streaming {
			t.Errorf("event %+v: the flushed response is not streaming", e)
		}
	}
}
