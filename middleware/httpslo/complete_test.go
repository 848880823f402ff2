package httpslo_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/errbudget/errbudget/middleware/httpslo"
)

// How a handler says its response is complete, in each test below.
var completions = []struct {
	name string
	opts []httpslo.Option
	mark func(w http.ResponseWriter, r *http.Request) bool
}{
	{"SetResponseComplete", nil, func(w http.ResponseWriter, _ *http.Request) bool { return httpslo.SetResponseComplete(w) }},
	{"SetResponseComplete/outcome-context", []httpslo.Option{httpslo.WithOutcomeContext()},
		func(w http.ResponseWriter, _ *http.Request) bool { return httpslo.SetResponseComplete(w) }},
	{"SetComplete", []httpslo.Option{httpslo.WithOutcomeContext()},
		func(_ http.ResponseWriter, r *http.Request) bool { return httpslo.SetComplete(r.Context()) }},
}

// sse is a stream the way inference APIs send one: three events and
// "[DONE]", each flushed. After the end, the handler does what h says:
// mark the response complete or not, write more or not; then it waits
// until its caller has hung up, so that every request of these tests meets
// the case a client like the OpenAI SDK makes only now and then (it closes
// the connection at "[DONE]", before the handler returns).
type sse struct {
	mark      func(w http.ResponseWriter, r *http.Request) bool
	afterDone string // written after the mark, never flushed
}

func (h sse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	rc := http.NewResponseController(w)
	for i := range 3 {
		fmt.Fprintf(w, "data: {\"n\":%d}\n\n", i)
		rc.Flush()
	}
	io.WriteString(w, "data: [DONE]\n\n")
	rc.Flush()
	if h.mark != nil && !h.mark(w, r) {
		panic("the middleware was not found")
	}
	if h.afterDone != "" {
		io.WriteString(w, h.afterDone)
	}
	<-r.Context().Done()
}

// readToDone reads events until "[DONE]", then closes the body, as the
// OpenAI SDKs do: the connection goes, the server's context is canceled.
func readToDone(t *testing.T, client *http.Client, url string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.TrimPrefix(sc.Text(), "data: ") == "[DONE]" {
			break
		}
	}
	resp.Body.Close()
}

// A stream the client received whole counts as what it was (good) when the
// handler said it was complete, however soon the client hung up.
func TestCompleteStreamCountsGood(t *testing.T) {
	const streams = 50
	for _, c := range completions {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := newTracker(t, availability("api", ""))
			var wg sync.WaitGroup
			srv := httptest.NewServer(waited(&wg, wrap(t, sse{mark: c.mark}, tr, c.opts...)))
			defer srv.Close()
			for range streams {
				wg.Add(1)
				readToDone(t, srv.Client(), srv.URL)
			}
			wg.Wait()
			if got := countsOf(t, tr, "api", ""); got != (counts{good: streams}) {
				t.Errorf("counts %+v, want %d good", got, streams)
			}
		})
	}
}

// A handler that says nothing keeps the rule it had: its caller left before
// it returned, so the request is excluded, even though this caller had
// everything (the case the rule gets wrong, documented).
func TestUnmarkedStreamCallerGoneExcluded(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			tr, _ := newTracker(t, availability("api", ""))
			var wg sync.WaitGroup
			srv := httptest.NewServer(waited(&wg, wrap(t, sse{}, tr, mode.opts...)))
			defer srv.Close()
			wg.Add(1)
			readToDone(t, srv.Client(), srv.URL)
			wg.Wait()
			if got := countsOf(t, tr, "api", ""); got != (counts{excluded: 1}) {
				t.Errorf("counts %+v, want 1 excluded", got)
			}
		})
	}
}

// Bytes written after the mark and never flushed leave only when the handler
// returns, after the caller had gone: the response was not complete for it.
func TestCompleteThenUnflushedWriteExcluded(t *testing.T) {
	for _, c := range completions {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := newTracker(t, availability("api", ""))
			var wg sync.WaitGroup
			h := sse{mark: c.mark, afterDone: "data: {\"late\":true}\n\n"}
			srv := httptest.NewServer(waited(&wg, wrap(t, h, tr, c.opts...)))
			defer srv.Close()
			wg.Add(1)
			readToDone(t, srv.Client(), srv.URL)
			wg.Wait()
			if got := countsOf(t, tr, "api", ""); got != (counts{excluded: 1}) {
				t.Errorf("counts %+v, want 1 excluded", got)
			}
		})
	}
}

// A handler that gives up mid-stream when its caller leaves never says the
// response was complete: excluded.
func TestStreamAbandonedMidwayExcluded(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			tr, _ := newTracker(t, availability("api", ""))
			var wg sync.WaitGroup
			h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rc := http.NewResponseController(w)
				for i := 0; ; i++ {
					fmt.Fprintf(w, "data: {\"n\":%d}\n\n", i)
					if rc.Flush() != nil || r.Context().Err() != nil {
						return // the caller left: give up, as a stream does
					}
					if i == 1 {
						<-r.Context().Done() // the caller reads two events and leaves
					}
				}
			}), tr, mode.opts...)
			srv := httptest.NewServer(waited(&wg, h))
			defer srv.Close()
			wg.Add(1)
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(resp.Body)
			for events := 0; events < 2; {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(line, "data: ") {
					events++
				}
			}
			resp.Body.Close()
			wg.Wait()
			if got := countsOf(t, tr, "api", ""); got != (counts{excluded: 1}) {
				t.Errorf("counts %+v, want 1 excluded", got)
			}
		})
	}
}

// A response that was never flushed has not left when the handler returns:
// marked complete or not, a caller gone by then missed it.
func TestCompleteUnflushedResponseCallerGoneExcluded(t *testing.T) {
	for _, c := range completions {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := newTracker(t, availability("api", ""))
			var wg sync.WaitGroup
			written := make(chan struct{})
			h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, `{"answer":"hello"}`)
				c.mark(w, r)
				close(written)
				<-r.Context().Done()
			}), tr, c.opts...)
			srv := httptest.NewServer(waited(&wg, h))
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			wg.Add(1)
			done := make(chan error, 1)
			go func() {
				_, err := srv.Client().Do(req)
				done <- err
			}()
			<-written
			cancel()
			<-done
			wg.Wait()
			if got := countsOf(t, tr, "api", ""); got != (counts{excluded: 1}) {
				t.Errorf("counts %+v, want 1 excluded", got)
			}
		})
	}
}

// Without the middleware (or without WithOutcomeContext for SetComplete)
// the marks report false and change nothing.
func TestCompleteWithoutMiddleware(t *testing.T) {
	if httpslo.SetResponseComplete(httptest.NewRecorder()) {
		t.Error("SetResponseComplete found a middleware in a bare recorder")
	}
	if httpslo.SetComplete(context.Background()) {
		t.Error("SetComplete found a middleware in context.Background")
	}
	tr, _ := newTracker(t, availability("api", ""))
	var found bool
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		found = httpslo.SetComplete(r.Context())
	}), tr)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if found {
		t.Error("SetComplete reported true without WithOutcomeContext")
	}
}
