package browsertests

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// requireEnv turns a missing Chromium from a skip into a failure.
const requireEnv = "ERRBUDGET_REQUIRE_BROWSER"

// chromium returns $CHROMIUM, else Debian's /usr/bin/chromium, else
// chromium, chromium-browser or google-chrome on $PATH, else "".
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium that lives as long as t, and
// returns the context its tabs open from. Without Chromium t skips, saying
// how to get it, or fails when requireEnv is set.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		msg := "no Chromium (install Debian's package: apt-get install chromium, or set $CHROMIUM)"
		if os.Getenv(requireEnv) != "" {
			t.Fatal(msg + "; " + requireEnv + " is set")
		}
		t.Skip(msg)
	}
	// Root in a container: no sandbox, no GPU, none of a desktop browser's
	// background traffic. The allocator gives the browser a fresh profile
	// directory and removes it at the end.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() }) // waits for the process to end
	if err := chromedp.Do(bounded(t, ctx)); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// bounded returns ctx ending shortly before go test's -timeout would stop
// the whole binary, so that a browser that never answers fails the test
// waiting for it, with its own message. It sets no limit of its own: a
// loaded machine makes the test slower, never failed.
func bounded(t *testing.T, ctx context.Context) context.Context {
	if end, ok := t.Deadline(); ok {
		// A twentieth of what is left (30 s of 10 minutes) to say why.
		c, cancel := context.WithDeadline(ctx, end.Add(-time.Until(end)/20))
		t.Cleanup(cancel)
		return c
	}
	return ctx
}

// tab is a page open in the browser, with what it reported and requested,
// in the order Chromium sent it.
type tab struct {
	ctx  context.Context
	mu   sync.Mutex
	msgs []message
	reqs []string
}

// message is something a page reported: a console call, an uncaught
// exception, or an entry of the browser's log (a resource that failed to
// load, a blocked request, a Content-Security-Policy violation).
type message struct{ source, level, text, url string }

func (m message) String() string {
	s := m.source + " " + m.level + ": " + m.text
	if m.url != "" {
		s += " (" + m.url + ")"
	}
	return s
}

// open opens url in a new tab of browser, its viewport width × height CSS
// pixels, and waits until the page has loaded. The tab closes with t.
func open(t *testing.T, browser context.Context, url string, width, height int64) *tab {
	t.Helper()
	p := &tab{}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithListener(p.listen))
	t.Cleanup(cancel)
	p.ctx = bounded(t, ctx)
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(width, height), chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	return p
}

// listen runs in the tab's event loop, in the order events arrive, so all
// that came before the load event is kept when open returns.
func (p *tab) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			var s string
			if json.Unmarshal(a.Value, &s) != nil {
				s = cmp.Or(string(a.Value), a.Description)
			}
			args = append(args, s)
		}
		level := string(ev.Type)
		if level == "assert" {
			level = "error"
		}
		p.msgs = append(p.msgs, message{"console", level, strings.Join(args, " "), ""})
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		p.msgs = append(p.msgs, message{"exception", "error", strings.TrimSpace(text), d.URL})
	case *log.EventEntryAdded:
		e := ev.Entry
		p.msgs = append(p.msgs, message{string(e.Source), string(e.Level), e.Text, e.URL})
	case *network.EventRequestWillBeSent:
		p.reqs = append(p.reqs, ev.Request.URL)
	}
}

// messages returns everything the page reported so far, at every level.
func (p *tab) messages() []message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]message(nil), p.msgs...)
}

// errors returns the messages at error level: what a test expects none of.
func (p *tab) errors() []message {
	var out []message
	for _, m := range p.messages() {
		if m.level == "error" {
			out = append(out, m)
		}
	}
	return out
}

// requests returns the URLs the page requested, the page itself first.
func (p *tab) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.reqs...)
}

// eval evaluates a JavaScript expression in the page and decodes its
// value, which must be JSON-serialisable, into v.
func (p *tab) eval(expr string, v any) error {
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// screenshot saves a PNG of the whole page, beyond the viewport down to
// its last pixel, at path (its directory is created).
func (p *tab) screenshot(path string) error { return p.screenshotTop(path, 0) }

// screenshotTop is screenshot cut at maxHeight CSS pixels (0: none), for
// a page too long to capture whole in reasonable time.
func (p *tab) screenshotTop(path string, maxHeight float64) error {
	lm, err := chromedp.Call(p.ctx, page.GetLayoutMetrics, cdp.Empty{})
	if err != nil {
		return err
	}
	size := lm.CSSContentSize
	if maxHeight > 0 {
		size.Height = min(size.Height, maxHeight)
	}
	shot, err := chromedp.Call(p.ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		CaptureBeyondViewport: new(true),
		Clip:                  &page.Viewport{Width: size.Width, Height: size.Height, Scale: 1},
	})
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(shot.Data, []byte("\x89PNG")) {
		return errors.New("screenshot: not a PNG")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, shot.Data, 0o644)
}
