package state_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// persisted returns objectives that exercise every part of a snapshot: an
// availability objective, a grouped latency objective, a calendar one.
func persisted() []sli.Objective {
	return []sli.Objective{
		{Name: "api", Target: 0.999, Window: sli.Rolling(30 * 24 * time.Hour)},
		{Name: "chat-latency", Kind: sli.Latency, Threshold: 300 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 3},
		{Name: "monthly", Target: 0.995, Window: sli.CalendarMonth("Europe/Berlin")},
	}
}

// patience ends shortly before go test's -timeout would stop the whole
// binary, so that a test that waits for something that never comes (a
// child process's line) fails with its own message, and its cleanup runs
// (killing a child). It is no limit of the test's own: a loaded machine
// makes the test slower, never failed.
func patience(t *testing.T) <-chan struct{} {
	ctx := t.Context()
	if end, ok := t.Deadline(); ok {
		c, cancel := context.WithDeadline(ctx, end.Add(-time.Until(end)/20))
		t.Cleanup(cancel)
		ctx = c
	}
	return ctx.Done()
}
