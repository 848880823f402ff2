package inferenceslo

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"
)

type requestKey struct{}

// ContextWithRequest returns a copy of ctx that names the call made with it,
// for Transport's default request function.
func ContextWithRequest(ctx context.Context, req Request) context.Context {
	return context.WithValue(ctx, requestKey{}, req)
}

// requestFromContext is the default request function (WithRequestFunc): the
// Request ContextWithRequest stored in r's context, or the zero Request (the
// Instrument's defaults, no model).
func requestFromContext(r *http.Request) Request {
	req, _ := r.Context().Value(requestKey{}).(Request)
	return req
}

// Transport returns an http.RoundTripper that records every request made
// through base (http.DefaultTransport when nil) as a call of in, named by
// the WithRequestFunc function. A transport error is classified with
// ClassifyError; a status of 400 or more with ClassifyStatus, recorded at
// once; a redirect is not a call. Otherwise the call ends when the
// application closes the body (so that it can still mark the call with
// ResponseCall), its duration running to EOF, the read error or Close.
//
// A streamed answer (text/event-stream, application/x-ndjson) is split into
// events without parsing: SSE events end at an empty line, NDJSON events at
// a newline; each event is a chunk, the first one the first token unless
// the application reports tokens. A stream that ends mid-event, or fails
// after its first event, is BrokenStream; a body closed early mid-event is
// Canceled; zero bytes is InvalidOutput. Token counts are in the body: pass
// them to ResponseCall(resp).SetUsage, or report chunks with
// ResponseCall(resp).Chunk, which replaces the event count. A nil
// *Instrument records nothing, as its calls do: its Transport is base.
func (in *Instrument) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if in == nil {
		return base
	}
	return &transport{base: base, in: in}
}

type transport struct {
	base http.RoundTripper
	in   *Instrument
}

// CloseIdleConnections closes the base transport's idle connections, so
// that http.Client.CloseIdleConnections reaches through the wrapper.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Body framings Transport recognises.
const (
	framingNone = iota
	framingSSE
	framingNDJSON
)

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	req := t.in.request(r)
	b := &body{}
	b.call = t.in.StartRequest(r.Context(), req)
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		b.call.End(err)
		return resp, err
	}
	switch code := resp.StatusCode; {
	case code >= 300 && code < 400:
		// A redirect the client may follow: the call is the final hop,
		// which comes through here again.
		b.call.in = nil
		return resp, nil
	case code >= 400:
		b.call.Fail(ClassifyStatus(code))
		b.call.End(nil)
		return resp, nil
	case code == http.StatusNoContent || r.Method == http.MethodHead:
		// No body to wait for, and none expected.
		b.call.noEmpty = true
		b.call.End(nil)
		return resp, nil
	}
	if ct, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		switch ct {
		case "text/event-stream":
			b.framing = framingSSE
		case "application/x-ndjson":
			b.framing = framingNDJSON
		}
	}
	b.rc = resp.Body
	resp.Body = b
	return resp, nil
}

// ResponseCall returns the Call of a response that came through Transport,
// still open until the body is closed, or nil; a nil *Call accepts every
// method and records nothing. Use it to report what the body said: the
// provider's usage, a quality score, output the application rejects.
//
//	defer resp.Body.Close() // ends the call
//	…
//	inferenceslo.ResponseCall(resp).SetUsage(u.PromptTokens, u.CompletionTokens)
func ResponseCall(resp *http.Response) *Call {
	if resp == nil {
		return nil
	}
	if b, ok := resp.Body.(*body); ok {
		return &b.call
	}
	return nil
}

// body watches a response body for its first event, its end and its errors,
// and ends the call when it is closed.
type body struct {
	rc      io.ReadCloser
	call    Call
	framing int

	mu               sync.Mutex
	closing          bool // Close began: a read error from now on is the close's
	done             bool
	n                int64 // bytes read
	events           int64
	firstAt, endAt   time.Time
	eof              bool
	err              error   // the first read error other than EOF
	lineOpen, evOpen bool    // content since the last newline / a data line since the last event end
	head             [5]byte // SSE: the first bytes of the current line, to tell a data line
	headN            int
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done || b.call.in == nil {
		return n, err
	}
	if n > 0 {
		b.n += int64(n)
		if b.framing != framingNone {
			if ev := b.scan(p[:n]); ev > 0 {
				if b.events == 0 {
					b.firstAt = b.call.in.now()
				}
				b.events += ev
			}
		}
	}
	if err != nil && b.endAt.IsZero() && !b.closing {
		b.endAt = b.call.in.now()
		if err == io.EOF {
			b.eof = true
		} else {
			b.err = err
		}
	}
	return n, err
}

// scan counts the events that end in p.
func (b *body) scan(p []byte) (events int64) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg, p = p[:i], p[i+1:]
		} else {
			p = nil
		}
		if len(bytes.Trim(seg, "\r")) > 0 {
			b.lineOpen = true
		}
		if b.framing == framingSSE {
			b.headN += copy(b.head[b.headN:], seg)
		}
		if i < 0 {
			break
		}
		switch {
		case b.framing == framingNDJSON:
			if b.lineOpen {
				events++
			}
		case b.lineOpen:
			// Only a data line makes an event: a blank line after comments
			// (": keep-alive") or other fields alone dispatches nothing.
			if isDataLine(b.head[:b.headN]) {
				b.evOpen = true
			}
		case b.evOpen:
			events++
			b.evOpen = false
		}
		b.lineOpen, b.headN = false, 0
	}
	return events
}

// isDataLine reports whether an SSE line that starts with head is a data
// field: "data" alone or "data:…".
func isDataLine(head []byte) bool {
	return bytes.HasPrefix(head, []byte("data:")) || string(bytes.TrimRight(head, "\r")) == "data"
}

func (b *body) Close() error {
	// A Read blocked in another goroutine fails once rc is closed ("response
	// body closed", a closed connection): that error is the application's
	// Close, not the provider's, and must not make the call a broken stream.
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	cerr := b.rc.Close()
	b.mu.Lock()
	if b.done || b.call.in == nil {
		b.mu.Unlock()
		return cerr
	}
	b.done = true
	c := &b.call
	end, err := b.endAt, b.err
	if end.IsZero() {
		end = c.in.now()
	}
	partial := b.lineOpen || b.evOpen
	if b.framing != framingNone {
		c.stream = true
		if c.chunks == 0 && b.events > 0 {
			// The application reported no chunk: events are chunks, and the
			// first event stands for the first token.
			c.first, c.firstTok, c.gotTok = b.firstAt, b.firstAt, true
			c.chunks = b.events
		}
	}
	if c.out == 0 && !c.usage.Load() {
		// The application reported no output: judge it by the bytes.
		c.noEmpty = true
		if b.n == 0 && err == nil && b.eof {
			c.mark.CompareAndSwap(uint32(None), uint32(InvalidOutput))
		}
	}
	if err == nil {
		switch {
		case b.eof && partial:
			err = io.ErrUnexpectedEOF
		case !b.eof && (b.n == 0 || partial):
			// Closed before the end, in the middle of an event: abandoned.
			err = context.Canceled
		}
		// Closed before the end at an event boundary is a success: the
		// application read what it wanted (a JSON decoder stops at the
		// object's end, a stream reader at its [DONE]).
	}
	b.mu.Unlock()
	c.endAt(end, err)
	return cerr
}
