package browsertests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The harness sees what a page does: console errors, exceptions, failed
// requests, the DOM after scripts, and a screenshot. (The other tests'
// "no console error" means something only if these are seen.)
func TestHarness(t *testing.T) {
	b := newBrowser(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>ok</title><p id="p">static</p><script>document.getElementById("p").textContent = "scripted"; console.log("hello")</script>`)
	})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>bad</title><img src="/missing.png"><script>console.error("boom", 42); undefinedFunction()</script>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	p := open(t, b, srv.URL+"/ok", 800, 600)
	if errs := p.errors(); len(errs) != 0 {
		t.Errorf("errors on a clean page: %v", errs)
	}
	var dom string
	err := p.eval("document.documentElement.outerHTML", &dom)
	if err != nil || !strings.Contains(dom, `<p id="p">scripted</p>`) {
		t.Errorf("DOM %q, %v", dom, err)
	}
	var msgs []string
	for _, m := range p.messages() {
		msgs = append(msgs, m.String())
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "console log: hello") {
		t.Errorf("messages: %v", msgs)
	}
	// The browser asks for /favicon.ico of a page that names no icon.
	if reqs := p.requests(); len(reqs) == 0 || reqs[0] != srv.URL+"/ok" {
		t.Errorf("requests %v", reqs)
	}
	png := filepath.Join(t.TempDir(), "ok.png")
	if err := p.screenshot(png); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 100 {
		t.Errorf("screenshot: %v", err)
	}

	p = open(t, b, srv.URL+"/bad", 800, 600)
	var all []string
	for _, m := range p.errors() {
		all = append(all, m.String())
	}
	got := strings.Join(all, "\n")
	for _, want := range []string{"console error: boom 42", "undefinedFunction is not defined", "404"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	var n int
	if err := p.eval("document.images.length", &n); err != nil || n != 1 {
		t.Errorf("Eval: %d, %v", n, err)
	}
}
