package httpslo_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

// TestStatusCodes drives a real server through a real client and checks
// that every response the client saw is counted as the table says, per
// route and in total.
func TestStatusCodes(t *testing.T) {
	tr, _ := newTracker(t, availability("api", ""), availability("per-route", sli.GroupByRoute))
	mux := http.NewServeMux()
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
	}
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /silent", func(w http.ResponseWriter, r *http.Request) {}) // 200 unwritten
	mux.Handle("GET /created", status(http.StatusCreated))
	mux.Handle("GET /moved", status(http.StatusFound))
	mux.Handle("GET /early", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints) // informational: the 500 that follows is final
		w.WriteHeader(http.StatusInternalServerError)
	}))
	mux.Handle("GET /invalid", status(http.StatusBadRequest))
	mux.Handle("GET /limited", status(http.StatusTooManyRequests))
	mux.Handle("GET /fail", status(http.StatusInternalServerError))
	mux.Handle("GET /unavailable", status(http.StatusServiceUnavailable))
	mux.HandleFunc("GET /lying", func(w http.ResponseWriter, r *http.Request) {
		if !httpslo.SetOutcome(r.Context(), sli.Bad) {
			t.Error("SetOutcome: the request is not counted")
		}
		io.WriteString(w, `{"error": "upstream"}`)
	})
	mux.HandleFunc("GET /excused", func(w http.ResponseWriter, r *http.Request) {
		// A derived context still reaches the request.
		ctx, cancel := context.WithTimeout(r.Context(), time.Hour)
		defer cancel()
		httpslo.SetOutcome(ctx, sli.Excluded)
		w.WriteHeader(http.StatusBadGateway)
	})
	var wg sync.WaitGroup
	srv := httptest.NewServer(waited(&wg, wrap(t, mux, tr, httpslo.WithOutcomeContext())))
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	plan := map[string]int{ // path → requests
		"/ok": 7, "/silent": 2, "/created": 3, "/moved": 1, "/early": 1, "/invalid": 4, "/limited": 5,
		"/fail": 6, "/unavailable": 2, "/lying": 3, "/excused": 2, "/nowhere": 3,
	}
	seen := map[string]map[int]int{} // path → status → responses
	for path, n := range plan {
		seen[path] = map[int]int{}
		for range n {
			wg.Add(1)
			resp, err := client.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			seen[path][resp.StatusCode]++
		}
	}
	wg.Wait()

	// What the client saw, classified by hand: the expectations are derived
	// from the responses, not from the plan.
	var total counts
	for path, byStatus := range seen {
		var want counts
		for code, n := range byStatus {
			switch {
			case path == "/lying" && code == 200:
				want.bad += int64(n)
			case path == "/excused" && code == 502:
				want.excluded += int64(n)
			case code >= 500:
				want.bad += int64(n)
			case code >= 400:
				want.excluded += int64(n)
			case code >= 200:
				want.good += int64(n)
			default:
				t.Fatalf("%s: unexpected status %d", path, code)
			}
		}
		route := "GET " + path
		if path == "/nowhere" {
			route = httpslo.UnmatchedRoute
		}
		if got := countsOf(t, tr, "per-route", route); got != want {
			t.Errorf("route %q: counts %+v, want %+v (client saw %v)", route, got, want, byStatus)
		}
		total.good += want.good
		total.bad += want.bad
		total.excluded += want.excluded
	}
	if got := countsOf(t, tr, "api", ""); got != total {
		t.Errorf("total: counts %+v, want %+v", got, total)
	}
	if total != (counts{good: 7 + 2 + 3 + 1, bad: 1 + 6 + 2 + 3, excluded: 4 + 5 + 2 + 3}) {
		t.Errorf("the client saw unexpected responses: %+v", seen)
	}
}

var errBoom = errors.New("boom")

func panickingHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("abort") != "" {
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(http.StatusOK) // a panic after the header is still bad
	panic(errBoom)
}

// TestPanic checks that a panicking handler is counted as bad and that the
// panic reaches the server unchanged: the same value, and a stack that still
// holds the frame that panicked (the middleware never recovers).
func TestPanic(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			p := &probe{}
			tr, _ := newTracker(t, p.objective("probe"))
			mux := http.NewServeMux()
			mux.HandleFunc("GET /panic", panickingHandler)
			type seenPanic struct {
				v     any
				stack string
			}
			panics := make(chan seenPanic, 2)
			var wg sync.WaitGroup
			inner := wrap(t, mux, tr, mode.opts...)
			outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer func() {
					v := recover()
					panics <- seenPanic{v, string(debug.Stack())}
					panic(v) // on to net/http, which aborts the connection
				}()
				inner.ServeHTTP(w, r)
			})
			srv := httptest.NewUnstartedServer(waited(&wg, outer))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.Start()
			defer srv.Close()

			for _, q := range []string{"", "?abort=1"} {
				wg.Add(1)
				resp, err := srv.Client().Get(srv.URL + "/panic" + q)
				if err == nil {
					resp.Body.Close()
					t.Fatalf("%q: the client got a response, want a broken connection", q)
				}
			}
			wg.Wait()
			if got := countsOf(t, tr, "probe", ""); got != (counts{bad: 2}) {
				t.Errorf("counts %+v, want 2 bad", got)
			}
			for _, e := range p.all() {
				if e.Outcome != sli.Bad || e.ErrorType != httpslo.ErrorPanic {
					t.Errorf("event %+v, want bad with error type %q", e, httpslo.ErrorPanic)
				}
			}
			first, second := <-panics, <-panics
			if first.v != errBoom || second.v != http.ErrAbortHandler {
				t.Errorf("panic values %v, %v; want %v, %v", first.v, second.v, errBoom, http.ErrAbortHandler)
			}
			if !strings.Contains(first.stack, "panickingHandler") {
				t.Errorf("the stack at the server lost the panicking frame:\n%s", first.stack)
			}

		})
	}
}

// TestCallerGone checks that a request whose caller went away is excluded,
// whatever the handler answered afterwards.
func TestCallerGone(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			tr, _ := newTracker(t, availability("api", ""))
			entered := make(chan struct{})
			var wg sync.WaitGroup
			h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(entered)
				<-r.Context().Done()
				w.WriteHeader(http.StatusInternalServerError)
			}), tr, mode.opts...)
			srv := httptest.NewServer(waited(&wg, h))
			defer srv.Close()

			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
			wg.Add(1)
			done := make(chan error)
			go func() {
				_, err := srv.Client().Do(req)
				done <- err
			}()
			<-entered
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("client error %v, want context.Canceled", err)
			}
			wg.Wait()
			if got := countsOf(t, tr, "api", ""); got != (counts{excluded: 1}) {
				t.Errorf("counts %+v, want 1 excluded", got)
			}
		})
	}
}

// TestDeadline checks that a request whose context deadline passed before it
// completed is bad, even when it answered 200 late.
func TestDeadline(t *testing.T) {
	p := &probe{}
	tr, _ := newTracker(t, p.objective("probe"))
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		io.WriteString(w, "too late")
	}), tr)
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Millisecond)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
	srv := httptest.NewServer(outer)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ev := p.all()
	if len(ev) != 1 || ev[0].Outcome != sli.Bad || ev[0].ErrorType != httpslo.ErrorTimeout {
		t.Errorf("events %+v, want one bad event of type %q", ev, httpslo.ErrorTimeout)
	}
}

// TestSSE streams server-sent events with a flush per event. The client
// reads each event before the server writes the next (so each flush really
// reached it), and the recorded event spans the whole stream, with its first
// byte at the first event.
func TestSSE(t *testing.T) {
	p := &probe{}
	ttft := sli.Objective{Name: "ttft", Kind: sli.TimeToFirstToken, Target: 0.99, Threshold: 100 * time.Millisecond}
	tr, clk := newTracker(t, p.objective("probe"), ttft)
	const events = 5
	next := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush() // headers out: the client may start reading
		for i := range events {
			clk.Advance(80 * time.Millisecond) // the model thinks
			fmt.Fprintf(w, "data: token %d\n\n", i)
			w.(http.Flusher).Flush()
			<-next // the client has the event
		}
	})
	var wg sync.WaitGroup
	srv := httptest.NewServer(waited(&wg, wrap(t, mux, tr)))
	defer srv.Close()

	wg.Add(1)
	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	got := 0
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "data: ") {
			if want := fmt.Sprintf("data: token %d", got); line != want {
				t.Fatalf("got %q, want %q", line, want)
			}
			got++
			next <- struct{}{}
		}
	}
	wg.Wait()
	if got != events {
		t.Fatalf("client read %d events, want %d", got, events)
	}
	ev := p.all()
	if len(ev) != 1 {
		t.Fatalf("%d events recorded, want 1", len(ev))
	}
	e := ev[0]
	if !e.Streaming || e.Outcome != sli.Good || e.FirstToken != 80*time.Millisecond || e.Duration != events*80*time.Millisecond {
		t.Errorf("event %+v: want a good stream, first token at 80ms, duration 400ms", e)
	}
	if !e.Time.Equal(clk.Now()) {
		t.Errorf("event time %v, want the completion time %v", e.Time, clk.Now())
	}
	if got := countsOf(t, tr, "ttft", ""); got != (counts{good: 1}) {
		t.Errorf("ttft counts %+v, want 1 good", got)
	}
}

// TestLatency checks durations from the tracker's clock: a latency objective
// counts fast successes good, slow ones bad, and failures not at all.
func TestLatency(t *testing.T) {
	lat := sli.Objective{Name: "fast", Kind: sli.Latency, Target: 0.99, Threshold: 200 * time.Millisecond}
	tr, clk := newTracker(t, availability("api", ""), lat)
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := time.ParseDuration(r.URL.Query().Get("d"))
		clk.Advance(d)
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}), tr)
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, q := range []string{"d=100ms", "d=200ms", "d=201ms", "d=3s", "d=3s&fail=1"} {
		resp, err := srv.Client().Get(srv.URL + "/?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := countsOf(t, tr, "fast", ""); got != (counts{good: 2, bad: 2, excluded: 1}) {
		t.Errorf("latency counts %+v, want 2 good, 2 bad, 1 excluded", got)
	}
	if got := countsOf(t, tr, "api", ""); got != (counts{good: 4, bad: 1}) {
		t.Errorf("availability counts %+v, want 4 good, 1 bad", got)
	}
}

// TestResponseController checks that the wrapper keeps net/http's optional
// interfaces: http.ResponseController reaches deadlines and full duplex
// through Unwrap, flushes and hijacks through the wrapper (which sees them),
// and io.Copy takes the ReadFrom path.
func TestResponseController(t *testing.T) {
	p := &probe{}
	tr, _ := newTracker(t, p.objective("probe"), availability("per-route", sli.GroupByRoute))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /duplex", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for _, err := range []error{
			rc.SetReadDeadline(time.Now().Add(time.Minute)),
			rc.SetWriteDeadline(time.Now().Add(time.Minute)),
			rc.EnableFullDuplex(),
			rc.Flush(),
		} {
			if err != nil {
				t.Errorf("ResponseController: %v", err)
			}
		}
		io.Copy(w, r.Body) // echo, through ReadFrom
	})
	mux.HandleFunc("GET /copy", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("the wrapper is not an io.ReaderFrom")
		}
		io.Copy(w, strings.NewReader("copied"))
	})
	mux.HandleFunc("GET /upgrade", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
	})
	var wg sync.WaitGroup
	srv := httptest.NewServer(waited(&wg, wrap(t, mux, tr)))
	defer srv.Close()

	bodies := map[string]string{}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/duplex", "echo"}, {"GET", "/copy", ""}, {"GET", "/upgrade", ""},
	} {
		wg.Add(1)
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies[c.path] = string(b)
	}
	wg.Wait()
	if want := map[string]string{"/duplex": "echo", "/copy": "copied", "/upgrade": "hijacked"}; fmt.Sprint(bodies) != fmt.Sprint(want) {
		t.Errorf("bodies %v, want %v", bodies, want)
	}
	for route, want := range map[string]counts{
		"POST /duplex": {good: 1}, "GET /copy": {good: 1}, "GET /upgrade": {excluded: 1},
	} {
		if got := countsOf(t, tr, "per-route", route); got != want {
			t.Errorf("%s: counts %+v, want %+v", route, got, want)
		}
	}
	for _, e := range p.all() {
		if e.Outcome == sli.Good && e.FirstToken <= 0 {
			t.Errorf("event %+v: no first byte", e)
		}
	}
}

// TestOutcomeContextOff checks that without WithOutcomeContext the handler
// gets the request as it came, and SetOutcome says it can do nothing.
func TestOutcomeContextOff(t *testing.T) {
	tr, _ := newTracker(t, availability("api", ""))
	r := httptest.NewRequest("GET", "/", nil)
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, got *http.Request) {
		if got != r {
			t.Error("the handler got a copy of the request")
		}
		if httpslo.SetOutcome(got.Context(), sli.Bad) {
			t.Error("SetOutcome reports success without WithOutcomeContext")
		}
	}), tr)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got := countsOf(t, tr, "api", ""); got != (counts{good: 1}) {
		t.Errorf("counts %+v, want 1 good", got)
	}
}

// TestFilter checks that filtered requests are served and not counted.
func TestFilter(t *testing.T) {
	tr, _ := newTracker(t, availability("api", ""))
	h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if httpslo.SetOutcome(r.Context(), sli.Bad) != (r.URL.Path != "/healthz") {
			t.Errorf("%s: SetOutcome reports the wrong thing", r.URL.Path)
		}
	}), tr, httpslo.WithOutcomeContext(), httpslo.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" }))
	for _, path := range []string{"/healthz", "/work", "/healthz"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	if got := countsOf(t, tr, "api", ""); got != (counts{bad: 1}) {
		t.Errorf("counts %+v, want 1 bad", got)
	}
}

// TestRealClock checks the events of a tracker on the real clock: the
// duration is measured on the monotonic clock and the completion time is
// the start plus that duration, within the times the test read around the
// request. The tracker keeps its default clock, time.Now, which in a
// synctest bubble is the bubble's: the handler's sleeps advance it exactly,
// so the bounds below hold with no margin for a loaded machine.
func TestRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &probe{}
		tr, err := budget.New([]sli.Objective{p.objective("probe")})
		if err != nil {
			t.Fatal(err)
		}
		h := wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(5 * time.Millisecond)
			io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
			time.Sleep(5 * time.Millisecond)
		}), tr)
		before := time.Now()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		after := time.Now()
		ev := p.all()
		if len(ev) != 1 {
			t.Fatalf("%d events, want 1", len(ev))
		}
		e := ev[0]
		if e.Time.Before(before) || e.Time.After(after) {
			t.Errorf("event time %v outside [%v, %v]", e.Time, before, after)
		}
		if e.Duration < 10*time.Millisecond || e.Duration > after.Sub(before) {
			t.Errorf("duration %v, want between 10ms and %v", e.Duration, after.Sub(before))
		}
		if e.FirstToken < 5*time.Millisecond || e.FirstToken > e.Duration-5*time.Millisecond {
			t.Errorf("first token %v, want between 5ms and %v", e.FirstToken, e.Duration-5*time.Millisecond)
		}
	})
}
