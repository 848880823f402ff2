package httpslo

import "net/http"

// RecordingPath serves one request as the handler does and returns the
// function that records it, so that a test can measure the recording path
// alone: route lookup, classification, Set.Record.
func (m *Middleware) RecordingPath(w http.ResponseWriter, r *http.Request) func() {
	c := &call{m: m, r: r}
	c.w = responseWriter{rw: w, c: c}
	c.start = m.now()
	c.w.WriteHeader(http.StatusOK)
	c.w.Write([]byte("ok"))
	c.returned = true
	return func() { m.finish(c) }
}
