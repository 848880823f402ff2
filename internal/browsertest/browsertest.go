// Package browsertest drives a headless Chromium for tests that must see a
// page the way a person does: it loads a URL, reports what the console said
// and what was requested, evaluates expressions in the page, dumps the DOM
// and saves a screenshot.
//
// It speaks the Chrome DevTools Protocol over the pipe Chromium opens with
// --remote-debugging-pipe (file descriptors 3 and 4, messages separated by
// NUL bytes), so it needs nothing but the standard library and Debian's
// chromium package.
//
//	b := browsertest.New(t) // skips when Chromium is missing
//	p, err := b.Open(ctx, srv.URL+"/slo/ui", 1400, 1800)
//	...
//	for _, m := range p.Errors() { t.Errorf("console: %s", m) }
//	p.Screenshot(ctx, filepath.Join(t.TempDir(), "page.png"))
package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireEnv names the environment variable that turns a missing browser
// from a skip into a failure (CI sets it, so that browser tests never skip
// there).
const RequireEnv = "ERRBUDGET_REQUIRE_BROWSER"

// Find returns the path of a Chromium binary: $CHROMIUM when set, else
// /usr/bin/chromium (Debian's package), else chromium, chromium-browser or
// google-chrome on $PATH. It returns "" when there is none.
func Find() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a browser for a test and closes it when the test ends. Where
// Chromium is missing the test is skipped with a message saying how to get
// it, or fails when RequireEnv is set.
func New(t testing.TB) *Browser {
	t.Helper()
	path := Find()
	if path == "" {
		msg := "browsertest: no Chromium (install Debian's package: apt-get install chromium, or set $CHROMIUM)"
		if os.Getenv(RequireEnv) != "" {
			t.Fatal(msg + "; " + RequireEnv + " is set")
		}
		t.Skip(msg)
	}
	b, err := Start(Context(t), path)
	if err != nil {
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Logf("browsertest: closing the browser: %v", err)
		}
	})
	return b
}

// Context returns the context for a test's calls to the browser. It ends
// when the test does, or shortly before go test's -timeout would stop the
// whole binary (t.Deadline), so that a browser that never answers fails the
// test waiting for it, with its own message. It sets no time limit of its
// own: a loaded machine makes the test slower, never failed.
func Context(t testing.TB) context.Context {
	ctx := t.Context()
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := d.Deadline(); ok {
			// A twentieth of what is left (30 s of 10 minutes) to say why.
			c, cancel := context.WithDeadline(ctx, end.Add(-time.Until(end)/20))
			t.Cleanup(cancel)
			ctx = c
		}
	}
	return ctx
}

// Browser is a headless Chromium process and its DevTools connection. Its
// methods are safe for concurrent use. Close it to end the process.
type Browser struct {
	cmd     *exec.Cmd
	profile string
	in      io.WriteCloser // our end of Chromium's fd 3
	out     io.ReadCloser  // our end of Chromium's fd 4
	stderr  bytes.Buffer
	done    chan struct{} // closed when the reader ends

	wmu    sync.Mutex // serialises writes
	mu     sync.Mutex
	nextID int64
	calls  map[int64]chan response
	events []event
	notify chan struct{} // closed and replaced on every event
	err    error         // why the reader ended
}

type response struct {
	Result json.RawMessage
	Err    *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
}

type event struct {
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	SessionID string          `json:"sessionId"`
}

// Flags are the command-line flags Start passes besides the pipe and the
// profile directory: headless, no sandbox (tests run as root in
// containers), and none of the background traffic a desktop browser makes.
var Flags = []string{
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--no-default-browser-check",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-extensions",
	"--disable-dev-shm-usage",
	"--hide-scrollbars",
	"--mute-audio",
}

// Start runs the Chromium at path and connects to it. ctx bounds the start
// only.
func Start(ctx context.Context, path string) (*Browser, error) {
	profile, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		return nil, err
	}
	// fd 3: Chromium reads commands; fd 4: Chromium writes answers.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	args := append(append([]string(nil), Flags...), "--remote-debugging-pipe", "--user-data-dir="+profile, "about:blank")
	b := &Browser{
		profile: profile,
		in:      cmdW,
		out:     resR,
		done:    make(chan struct{}),
		calls:   map[int64]chan response{},
		notify:  make(chan struct{}),
	}
	b.cmd = exec.Command(path, args...)
	b.cmd.ExtraFiles = []*os.File{cmdR, resW}
	b.cmd.Stderr = &lockedWriter{w: &b.stderr, mu: &b.mu}
	if err := b.cmd.Start(); err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	cmdR.Close()
	resW.Close()
	go b.read()
	// The browser answers once it is up.
	if _, err := b.call(ctx, "", "Browser.getVersion", nil); err != nil {
		b.Close()
		return nil, fmt.Errorf("no answer from the browser: %w (stderr: %s)", err, b.Stderr())
	}
	return b, nil
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Stderr returns what the browser wrote to its standard error so far.
func (b *Browser) Stderr() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

// Close ends the browser and removes its profile.
func (b *Browser) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.call(ctx, "", "Browser.close", nil) // the process exits; the answer may not come
	b.in.Close()
	exited := make(chan error, 1)
	go func() { exited <- b.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill()
		<-exited
	}
	b.out.Close()
	<-b.done
	return os.RemoveAll(b.profile)
}

// read dispatches the browser's messages until the pipe closes.
func (b *Browser) read() {
	defer close(b.done)
	r := bufio.NewReaderSize(b.out, 1<<20)
	for {
		msg, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.err = err
			for id, ch := range b.calls {
				close(ch)
				delete(b.calls, id)
			}
			b.mu.Unlock()
			return
		}
		msg = msg[:len(msg)-1]
		var m struct {
			ID *int64 `json:"id"`
			response
			event
		}
		if err := json.Unmarshal(msg, &m); err != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != nil {
			if ch, ok := b.calls[*m.ID]; ok {
				ch <- m.response
				delete(b.calls, *m.ID)
			}
		} else if m.Method != "" {
			b.events = append(b.events, m.event)
			close(b.notify)
			b.notify = make(chan struct{})
		}
		b.mu.Unlock()
	}
}

// call sends one command and waits for its answer.
func (b *Browser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	ch := make(chan response, 1)
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return nil, fmt.Errorf("%s: browser gone: %w", method, b.err)
	}
	b.nextID++
	id := b.nextID
	b.calls[id] = ch
	b.mu.Unlock()

	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	b.wmu.Lock()
	_, err = b.in.Write(append(data, 0))
	b.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("%s: browser gone", method)
		}
		if r.Err != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, r.Err.Message, r.Err.Code)
		}
		return r.Result, nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.calls, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// waitEvent waits for an event of method on session, at or after the
// event index from.
func (b *Browser) waitEvent(ctx context.Context, session, method string, from int) (json.RawMessage, error) {
	for {
		b.mu.Lock()
		for _, e := range b.events[from:] {
			if e.Method == method && e.SessionID == session {
				b.mu.Unlock()
				return e.Params, nil
			}
		}
		from = len(b.events)
		ch, gone := b.notify, b.err
		b.mu.Unlock()
		if gone != nil {
			return nil, fmt.Errorf("waiting for %s: browser gone: %w", method, gone)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", method, ctx.Err())
		}
	}
}

func (b *Browser) eventCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.events)
}

// Page is one tab, opened by Browser.Open.
type Page struct {
	b       *Browser
	target  string
	session string
	from    int // the index of the page's first event
}

// Open opens url in a new tab whose viewport is width × height CSS pixels,
// and waits until the page has loaded.
func (b *Browser) Open(ctx context.Context, url string, width, height int) (*Page, error) {
	res, err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return nil, err
	}
	var t struct {
		TargetID string `json:"targetId"`
	}
	json.Unmarshal(res, &t)
	res, err = b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": t.TargetID, "flatten": true})
	if err != nil {
		return nil, err
	}
	var s struct {
		SessionID string `json:"sessionId"`
	}
	json.Unmarshal(res, &s)
	p := &Page{b: b, target: t.TargetID, session: s.SessionID, from: b.eventCount()}
	for _, c := range []struct {
		method string
		params any
	}{
		{"Page.enable", nil},
		{"Runtime.enable", nil},
		{"Log.enable", nil},
		{"Network.enable", nil},
		{"Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}},
	} {
		if _, err := b.call(ctx, p.session, c.method, c.params); err != nil {
			return nil, err
		}
	}
	from := b.eventCount()
	res, err = b.call(ctx, p.session, "Page.navigate", map[string]any{"url": url})
	if err != nil {
		return nil, err
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	json.Unmarshal(res, &nav)
	if nav.ErrorText != "" {
		return nil, fmt.Errorf("navigating to %s: %s", url, nav.ErrorText)
	}
	if _, err := b.waitEvent(ctx, p.session, "Page.loadEventFired", from); err != nil {
		return nil, err
	}
	return p, nil
}

// Message is something the page reported: a console.error or
// console.assert call, an uncaught exception, or an error the browser
// logged for it (a resource that failed to load, a blocked request, a
// Content-Security-Policy violation).
type Message struct {
	Source string // "console", "exception" or the log's source ("network", "security", …)
	Level  string
	Text   string
	URL    string
}

// String writes the message on one line: source, level, text, and the URL
// it concerns.
func (m Message) String() string {
	s := m.Source + " " + m.Level + ": " + m.Text
	if m.URL != "" {
		s += " (" + m.URL + ")"
	}
	return s
}

func (p *Page) pageEvents() []event {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	var out []event
	for _, e := range p.b.events[p.from:] {
		if e.SessionID == p.session {
			out = append(out, e)
		}
	}
	return out
}

// Messages returns everything the console and the browser's log reported
// for the page so far, at every level.
func (p *Page) Messages() []Message {
	var out []Message
	for _, e := range p.pageEvents() {
		switch e.Method {
		case "Runtime.consoleAPICalled":
			var c struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			json.Unmarshal(e.Params, &c)
			var parts []string
			for _, a := range c.Args {
				if a.Value != nil {
					parts = append(parts, fmt.Sprint(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			level := c.Type
			if level == "assert" {
				level = "error"
			}
			out = append(out, Message{Source: "console", Level: level, Text: strings.Join(parts, " ")})
		case "Runtime.exceptionThrown":
			var x struct {
				ExceptionDetails struct {
					Text      string `json:"text"`
					URL       string `json:"url"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			}
			json.Unmarshal(e.Params, &x)
			d := x.ExceptionDetails
			out = append(out, Message{Source: "exception", Level: "error", Text: strings.TrimSpace(d.Text + " " + d.Exception.Description), URL: d.URL})
		case "Log.entryAdded":
			var l struct {
				Entry struct {
					Source string `json:"source"`
					Level  string `json:"level"`
					Text   string `json:"text"`
					URL    string `json:"url"`
				} `json:"entry"`
			}
			json.Unmarshal(e.Params, &l)
			out = append(out, Message{Source: l.Entry.Source, Level: l.Entry.Level, Text: l.Entry.Text, URL: l.Entry.URL})
		}
	}
	return out
}

// Errors returns the messages at error level: what a test expects none of.
func (p *Page) Errors() []Message {
	var out []Message
	for _, m := range p.Messages() {
		if m.Level == "error" {
			out = append(out, m)
		}
	}
	return out
}

// Requests returns the URLs the page requested, the page itself first.
func (p *Page) Requests() []string {
	var out []string
	for _, e := range p.pageEvents() {
		if e.Method != "Network.requestWillBeSent" {
			continue
		}
		var r struct {
			Request struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		json.Unmarshal(e.Params, &r)
		out = append(out, r.Request.URL)
	}
	return out
}

// Eval evaluates a JavaScript expression in the page and decodes its value
// (which must be JSON-serialisable) into v.
func (p *Page) Eval(ctx context.Context, expr string, v any) error {
	res, err := p.b.call(ctx, p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("evaluating %q: %s", expr, r.ExceptionDetails.Text)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(r.Result.Value, v)
}

// DOM returns the page's document as HTML, as rendered (after any
// script ran).
func (p *Page) DOM(ctx context.Context) (string, error) {
	var s string
	err := p.Eval(ctx, "document.documentElement.outerHTML", &s)
	return s, err
}

// Screenshot saves a PNG of the whole page, beyond the viewport down to
// its last pixel, at path (its directory is created).
func (p *Page) Screenshot(ctx context.Context, path string) error {
	res, err := p.b.call(ctx, p.session, "Page.getLayoutMetrics", nil)
	if err != nil {
		return err
	}
	var lm struct {
		Content struct {
			Width  float64 `json:"width"`
			Height float64 `json:"height"`
		} `json:"cssContentSize"`
	}
	if err := json.Unmarshal(res, &lm); err != nil {
		return err
	}
	res, err = p.b.call(ctx, p.session, "Page.captureScreenshot", map[string]any{
		"format":                "png",
		"captureBeyondViewport": true,
		"clip":                  map[string]any{"x": 0, "y": 0, "width": lm.Content.Width, "height": lm.Content.Height, "scale": 1},
	})
	if err != nil {
		return err
	}
	var r struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		return errors.New("screenshot: not a PNG")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// Close closes the tab.
func (p *Page) Close(ctx context.Context) error {
	_, err := p.b.call(ctx, "", "Target.closeTarget", map[string]any{"targetId": p.target})
	return err
}
