package inferenceslo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/errbudget/errbudget/middleware/inferenceslo"
)

// TestRegressionFirstTokenAtStart: a token that arrives at the very instant the
// call started (a fake clock that did not move, a cached answer on a coarse
// clock) is still a first token: the TTFT objective must count the call.
func TestRegressionFirstTokenAtStart(t *testing.T) {
	r := newRig(t, objectives())
	c := r.inst.Start(context.Background(), "m")
	c.Token()
	c.Token()
	c.End(nil)
	r.counts(t, "avail", 1, 0, 0)
	r.counts(t, "ttft", 1, 0, 0)
}

// TestRegressionCloseWhileReading: the usual way to abandon a stream is to
// close its body from another goroutine while a Read is blocked. The call
// was read to an event boundary and then abandoned by the application:
// never bad (success per the Transport docs, or at worst canceled).
func TestRegressionCloseWhileReading(t *testing.T) {
	r := newRig(t, objectives())
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: a\n\n")
		w.(http.Flusher).Flush()
		<-req.Context().Done()
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	client := &http.Client{Transport: r.inst.Transport(srv.Client().Transport)}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 {
		t.Fatalf("proto %s", resp.Proto)
	}
	buf := make([]byte, len("data: a\n\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error)
	go blockedRead(resp.Body, readErr)
	waitParked(t, "inferenceslo_test.blockedRead")
	resp.Body.Close()
	<-readErr
	if st := r.status(t, "avail", ""); st.Bad != 0 || st.Good+st.LifetimeExcluded != 1 {
		t.Errorf("avail good/bad/excluded = %d/%d/%d; an abandoned stream must not be bad", st.Good, st.Bad, st.LifetimeExcluded)
	}
}

// blockedRead is one Read of body, its error sent to done: a function of
// its own, so that waitParked can find the goroutine blocked in it.
func blockedRead(body io.Reader, done chan<- error) {
	_, err := body.Read(make([]byte, 64))
	done <- err
}

// waitParked waits until a goroutine running fn is parked (on a channel, a
// lock, a condition, the network): for a goroutine that does nothing but
// call Read, until the Read blocks. It does not sleep for a margin; a
// goroutine that never parks fails the test at go test's -timeout.
func waitParked(t *testing.T, fn string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			head, _, _ := strings.Cut(g, "\n")
			if strings.Contains(g, fn+"(") && !strings.Contains(head, "[running]") && !strings.Contains(head, "[runnable]") {
				return
			}
		}
		runtime.Gosched()
	}
}

// slowCloseBody is a streamed body whose Close, like HTTP/2's, wakes a
// blocked Read at once and returns only after some cleanup: here, until
// the test closes release, so that the woken Read is known to have
// returned before Close does, with no real-time margin.
type slowCloseBody struct {
	pr      *io.PipeReader
	release <-chan struct{}
}

func (b slowCloseBody) Read(p []byte) (int, error) { return b.pr.Read(p) }
func (b slowCloseBody) Close() error {
	b.pr.CloseWithError(io.ErrClosedPipe)
	<-b.release // the cleanup, as long as the test says
	return nil
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRegressionCloseWhileReadingDeterministic is TestRegressionCloseWhileReading
// without the network, and without the scheduling luck: in a synctest
// bubble, the Read is known to be blocked when the body is closed.
func TestRegressionCloseWhileReadingDeterministic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, objectives())
		pr, pw := io.Pipe()
		go func() { io.WriteString(pw, "data: a\n\n") }()
		release := make(chan struct{})
		base := rtFunc(func(req *http.Request) (*http.Response, error) {
			h := http.Header{"Content-Type": {"text/event-stream"}}
			return &http.Response{StatusCode: 200, Header: h, Body: slowCloseBody{pr, release}, Request: req}, nil
		})
		client := &http.Client{Transport: r.inst.Transport(base)}
		resp, err := client.Get("http://provider.test/")
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len("data: a\n\n"))
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatal(err)
		}
		readErr := make(chan error)
		go blockedRead(resp.Body, readErr)
		synctest.Wait() // the Read is blocked
		closed := make(chan error)
		go func() { closed <- resp.Body.Close() }()
		<-readErr      // the Read, woken by Close, has returned...
		close(release) // ...before Close's cleanup ends
		<-closed
		if st := r.status(t, "avail", ""); st.Bad != 0 || st.Good+st.LifetimeExcluded != 1 {
			t.Errorf("avail good/bad/excluded = %d/%d/%d; an abandoned stream must not be bad", st.Good, st.Bad, st.LifetimeExcluded)
		}
	})
}

// scriptedBody returns one piece per Read, moving the fake clock first.
type scriptedBody struct {
	clk    interface{ Advance(time.Duration) time.Time }
	pieces []struct {
		after time.Duration
		s     string
	}
}

func (b *scriptedBody) Read(p []byte) (int, error) {
	if len(b.pieces) == 0 {
		return 0, io.EOF
	}
	x := b.pieces[0]
	b.pieces = b.pieces[1:]
	b.clk.Advance(x.after)
	return copy(p, x.s), nil
}
func (b *scriptedBody) Close() error { return nil }

// TestRegressionSSECommentIsNotAnEvent: an SSE comment (": keep-alive", what
// OpenRouter and others send while the model thinks) dispatches no event
// (WHATWG HTML, "dispatch the event": an empty data buffer dispatches
// nothing), so it is not the first chunk.
func TestRegressionSSECommentIsNotAnEvent(t *testing.T) {
	r := newRig(t, objectives())
	body := &scriptedBody{clk: r.clk, pieces: []struct {
		after time.Duration
		s     string
	}{
		{0, ": PROCESSING\n\n"},
		{700 * time.Millisecond, "data: {\"t\":1}\n\n"},
		{10 * time.Millisecond, "data: [DONE]\n\n"},
	}}
	base := rtFunc(func(req *http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"text/event-stream"}}
		return &http.Response{StatusCode: 200, Header: h, Body: body, Request: req}, nil
	})
	client := &http.Client{Transport: r.inst.Transport(base)}
	resp, err := client.Get("http://provider.test/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The first real event came at 700 ms: over the 500 ms TTFT threshold.
	r.counts(t, "ttft", 0, 1, 0)
}

// TestRegressionEmbeddingsHaveNoOutputTokens: an embeddings call's usage has
// input tokens only (OpenAI: prompt_tokens, total_tokens); zero output
// tokens is its normal answer, not an empty one.
func TestRegressionEmbeddingsHaveNoOutputTokens(t *testing.T) {
	r := newRig(t, objectives())
	c := r.inst.StartRequest(context.Background(), inferenceslo.Request{Model: "text-embedding-3-small", Operation: "embeddings"})
	r.clk.Advance(40 * time.Millisecond)
	c.SetUsage(8, 0)
	c.End(nil)
	r.counts(t, "avail", 1, 0, 0)
}
