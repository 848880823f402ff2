package httpslo

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"
)

// responseWriter sees what the handler sends: the final status, the time of
// the first body byte, whether it flushed before finishing, whether it took
// the connection over. It lives inside the request's call (one allocation
// for both) and is never pooled, so a handler that keeps it past its return
// (against net/http's rules) corrupts nothing.
//
// It implements http.Flusher (with FlushError, which http.ResponseController
// prefers), http.Hijacker, io.ReaderFrom and http.Pusher whatever the
// underlying writer supports: where that writer lacks one, the method does
// what net/http's ResponseController does (Hijack and Push return
// http.ErrNotSupported, Flush does nothing, ReadFrom copies). Unwrap exposes
// the underlying writer, so http.ResponseController reaches the rest
// (SetReadDeadline, SetWriteDeadline, EnableFullDuplex).
type responseWriter struct {
	rw       http.ResponseWriter
	c        *call
	status   int           // final status; 0 until one is written
	first    time.Duration // start to the first body byte; 0 until one
	flushed  bool          // the handler flushed: a streamed response
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
	if w.first == 0 && len(b) > 0 {
		w.firstByte()
	}
	return w.rw.Write(b)
}

// WriteString implements io.StringWriter, as net/http's own writer does, so
// that io.WriteString through the wrapper copies no more than without it.
func (w *responseWriter) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.first == 0 && len(s) > 0 {
		w.firstByte()
	}
	return io.WriteString(w.rw, s)
}

// firstByte notes the time of the first body byte, for time-to-first-token
// objectives; it is at least 1 ns, since zero means "none".
func (w *responseWriter) firstByte() {
	d := w.c.m.now().Sub(w.c.start)
	if d <= 0 {
		d = 1
	}
	w.first = d
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError flushes the underlying writer; http.ResponseController.Flush
// calls it. A flush sends the header, so the status is final from here.
func (w *responseWriter) FlushError() error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.flushed = true
	switch f := w.rw.(type) {
	case interface{ FlushError() error }:
		return f.FlushError()
	case http.Flusher:
		f.Flush()
		return nil
	}
	// Further down, through Unwrap; http.ErrNotSupported at the bottom.
	return http.NewResponseController(w.rw).Flush()
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
// net/http's sendfile path. The first byte's time is taken when the copy
// starts, as the first read cannot be seen.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var start time.Time
	if w.first == 0 {
		start = w.c.m.now()
	}
	var n int64
	var err error
	if rf, ok := w.rw.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.rw}, src)
	}
	if w.first == 0 && n > 0 {
		if d := start.Sub(w.c.start); d > 0 {
			w.first = d
		} else {
			w.first = 1
		}
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
