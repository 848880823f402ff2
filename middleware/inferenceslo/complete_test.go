package inferenceslo_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/errbudget/errbudget/middleware/httpslo"
	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

// A call that serves an HTTP request httpslo counts tells it, at End,
// whether the response is complete: a call that succeeded says so, so that a
// client that hangs up at "[DONE]" (before the handler returns) counts as
// served for availability, as the call does for inferenceslo; a call that
// failed takes back what an earlier one said.
func TestEndTellsHTTPSLOTheResponseIsComplete(t *testing.T) {
	for _, c := range []struct {
		name      string
		err       error // the last call's
		wantAvail int64 // good availability events (else excluded)
	}{
		{"succeeded", nil, 1},
		{"failed", errors.New("stalled"), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, []sli.Objective{{Name: "http-avail", Target: 0.99}, {Name: "avail", Target: 0.99}},
				inferenceslo.WithObjectives("avail"))
			var wg sync.WaitGroup
			mw, err := httpslo.New(r.tr, httpslo.WithObjectives("http-avail"), httpslo.WithOutcomeContext())
			if err != nil {
				t.Fatal(err)
			}
			h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				// An earlier call on the same request that succeeded.
				first := r.inst.Start(req.Context(), "embed")
				first.Token()
				first.End(nil)

				call := r.inst.Start(req.Context(), "gpt-x")
				rc := http.NewResponseController(w)
				for i := range 3 {
					fmt.Fprintf(w, "data: %d\n\n", i)
					rc.Flush()
					call.Token()
				}
				io.WriteString(w, "data: [DONE]\n\n")
				rc.Flush()
				call.End(c.err)
				<-req.Context().Done() // returns only once the client hung up
			}))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				defer wg.Done()
				h.ServeHTTP(w, req)
			}))
			defer srv.Close()
			wg.Add(1)
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() && sc.Text() != "data: [DONE]" {
			}
			resp.Body.Close()
			wg.Wait()
			st := r.status(t, "http-avail", "")
			if st.Good != c.wantAvail || st.Good+st.LifetimeExcluded != 1 {
				t.Errorf("http availability good/bad/excluded %d/%d/%d, want %d good of 1", st.Good, st.Bad, st.LifetimeExcluded, c.wantAvail)
			}
		})
	}
}
