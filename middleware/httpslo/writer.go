package httpslo

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// responseWriter sees what the handler sends: the final status, whether and
// when body bytes were first flushed toward the caller, whether it flushed
// before finishing, whether it took the connection over. It lives inside the
// request's call (one allocation for both) and is never pooled, so a handler
// that keeps it past its return (against net/http's rules) can only reach
// its own request.
//
// It implements http.Flusher (with FlushError, which http.ResponseController
// prefers), http.Hijacker, io.ReaderFrom, io.StringWriter and http.Pusher
// whatever the underlying writer supports: where that writer lacks one, the
// method does what net/http's ResponseController does (Hijack and Push
// return http.ErrNotSupported, Flush does nothing, ReadFrom copies). Unwrap
// exposes the underlying writer, so http.ResponseController reaches the rest
// (SetReadDeadline, SetWriteDeadline, EnableFullDuplex).
//
// The first byte's time is read at the first flush that follows body bytes,
// not at the first write: until a flush, net/http holds what the handler
// writes in its buffer, so the flush is when a streamed response's first
// byte leaves; a response that never flushes leaves when it completes, and
// finish takes the completion time it reads anyway. Writes thus read no
// clock.
type responseWriter struct {
	rw       http.ResponseWriter
	c        *call
	status   int           // final status; 0 until one is written
	first    time.Duration // start to the first flush of body bytes; 0 until then
	wrote    bool          // body bytes were written
	flushed  bool          // the handler flushed: a streamed response
	sent     bool          // a flush left nothing behind: everything written has gone toward the caller
	hijacked bool
}

func (w *responseWriter) Header() http.Header { return w.rw.Header() }

func (w *responseWriter) WriteHeader(code int) {
	// 1xx codes other than 101 are informational: a final one follows.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.rw.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if len(b) > 0 {
		w.wrote, w.sent = true, false
	}
	return w.rw.Write(b)
}

// WriteString implements io.StringWriter, as net/http's own writer does, so
// that io.WriteString through the wrapper copies no more than without it.
func (w *responseWriter) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if len(s) > 0 {
		w.wrote, w.sent = true, false
	}
	return io.WriteString(w.rw, s)
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError flushes the underlying writer; http.ResponseController.Flush
// calls it. A flush sends the header, so the status is final from here; the
// first flush after body bytes is the first byte's time.
func (w *responseWriter) FlushError() error {
	var err error
	switch f := w.rw.(type) {
	case interface{ FlushError() error }:
		err = f.FlushError()
	case http.Flusher:
		f.Flush()
	default:
		// Further down, through Unwrap; http.ErrNotSupported at the bottom.
		err = http.NewResponseController(w.rw).Flush()
	}
	if errors.Is(err, http.ErrNotSupported) {
		// Nothing was flushed, not even the header: the status the handler
		// writes next is still the one the caller gets.
		return err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.flushed = true
	w.sent = err == nil
	if w.wrote && w.first == 0 {
		// At least 1 ns: zero means "no first byte".
		w.first = max(w.c.since().Sub(w.c.start), 1)
	}
	return err
}

// Hijack implements http.Hijacker; it returns http.ErrNotSupported when the
// underlying writer cannot be hijacked (HTTP/2).
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.rw).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, brw, err
}

// ReadFrom implements io.ReaderFrom, so that io.Copy into the response keeps
// net/http's sendfile path.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.rw.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.rw}, src)
	}
	if n > 0 {
		w.wrote, w.sent = true, false
	}
	return n, err
}

// writerOnly hides the ReadFrom of a writer, so io.Copy does not call back.
type writerOnly struct{ io.Writer }

// Push implements http.Pusher; it returns http.ErrNotSupported when the
// underlying writer cannot push.
func (w *responseWriter) Push(target string, opts *http.PushOptions) error {
	if p, ok := w.rw.(http.Pusher); ok {
		return p.Push(target, opts)
	}
	return http.ErrNotSupported
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.rw }
