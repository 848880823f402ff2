package httpslo_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/sli"
)

// unwrapper is a handler's own ResponseWriter wrapper, as logging or
// compression middleware add.
type unwrapper struct{ http.ResponseWriter }

func (u unwrapper) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// Without WithOutcomeContext, handler code marks a 200 that carries an
// error through its ResponseWriter, even behind another wrapper.
func TestSetResponseOutcome(t *testing.T) {
	tr, _ := newTracker(t, availability("api", ""))
	var wg sync.WaitGroup
	mux := http.NewServeMux()
	mux.HandleFunc("GET /lying", func(w http.ResponseWriter, r *http.Request) {
		if httpslo.SetOutcome(r.Context(), sli.Bad) {
			t.Error("SetOutcome through the context worked without WithOutcomeContext")
		}
		if !httpslo.SetResponseOutcome(unwrapper{w}, sli.Bad) {
			t.Error("SetResponseOutcome did not find the middleware's writer")
		}
		io.WriteString(w, `{"error": "upstream"}`)
	})
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewServer(waited(&wg, wrap(t, mux, tr)))
	defer srv.Close()
	for _, path := range []string{"/lying", "/lying", "/ok"} {
		wg.Add(1)
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s answered %d", path, resp.StatusCode)
		}
	}
	wg.Wait()
	if got := countsOf(t, tr, "api", ""); got != (counts{good: 1, bad: 2}) {
		t.Errorf("counted %+v, want 1 good and 2 bad", got)
	}
	if httpslo.SetResponseOutcome(httptest.NewRecorder(), sli.Bad) {
		t.Error("SetResponseOutcome reported true for a writer no middleware wraps")
	}
}
