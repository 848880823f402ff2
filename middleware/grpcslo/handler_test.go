package grpcslo_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/middleware/grpcslo"
	"github.com/errbudget/errbudget/sli"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// probe is a Custom objective that keeps every event it classifies.
type probe struct {
	mu     sync.Mutex
	events []sli.Event
}

func (p *probe) objective(name string) sli.Objective {
	return sli.Objective{Name: name, Kind: sli.Custom, Target: 0.99, Classify: func(e sli.Event) sli.Outcome {
		p.mu.Lock()
		p.events = append(p.events, e)
		p.mu.Unlock()
		return e.Outcome
	}}
}

func (p *probe) all() []sli.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]sli.Event(nil), p.events...)
}

// services is a ServiceInfoProvider with a fixed method set.
type services map[string]grpc.ServiceInfo

func (s services) GetServiceInfo() map[string]grpc.ServiceInfo { return s }

var testServices = services{
	"chat.Chat": {Methods: []grpc.MethodInfo{{Name: "Ask"}, {Name: "Stream", IsServerStream: true}}},
}

// call drives h with the stats of one server RPC, at fixed times: begin
// at at, the first response message after first (none when zero), the end
// after d.
func call(h stats.Handler, method string, at time.Time, first, d time.Duration, err error) {
	ctx := h.TagRPC(context.Background(), &stats.RPCTagInfo{FullMethodName: method})
	h.HandleRPC(ctx, &stats.Begin{BeginTime: at})
	h.HandleRPC(ctx, &stats.InPayload{RecvTime: at})
	if first > 0 {
		h.HandleRPC(ctx, &stats.OutPayload{SentTime: at.Add(first)})
		h.HandleRPC(ctx, &stats.OutPayload{SentTime: at.Add(first + 1)})
	}
	h.HandleRPC(ctx, &stats.OutPayload{Client: true, SentTime: at}) // ignored
	h.HandleRPC(ctx, &stats.End{BeginTime: at, EndTime: at.Add(d), Error: err})
}

// TestEvents checks the events the handler builds, at fixed times: the
// completion time and duration are grpc-go's, the first token is the first
// response message, a server stream is streaming.
func TestEvents(t *testing.T) {
	p := &probe{}
	clk := budgettest.NewClock(t0.Add(time.Second))
	tr, err := budget.New([]sli.Objective{p.objective("probe")}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	h, err := grpcslo.New(tr)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Register(testServices); err != nil {
		t.Fatal(err)
	}
	call(h, "/chat.Chat/Stream", t0, 30*time.Millisecond, 500*time.Millisecond, nil)
	call(h, "/chat.Chat/Ask", t0, 0, 20*time.Millisecond, status.Error(codes.Unavailable, "down"))
	call(h, "/chat.Chat/Ask", t0, 0, 20*time.Millisecond, status.Error(codes.Code(99), "odd"))
	// A client-side End is not the server's.
	h.HandleRPC(h.TagRPC(context.Background(), &stats.RPCTagInfo{FullMethodName: "/chat.Chat/Ask"}), &stats.End{Client: true})
	// Stats on a context the handler never tagged are ignored.
	h.HandleRPC(context.Background(), &stats.End{BeginTime: t0, EndTime: t0})

	ev := p.all()
	want := []sli.Event{
		{Time: t0.Add(500 * time.Millisecond), Duration: 500 * time.Millisecond, Outcome: sli.Good, Streaming: true, FirstToken: 30 * time.Millisecond},
		{Time: t0.Add(20 * time.Millisecond), Duration: 20 * time.Millisecond, Outcome: sli.Bad, ErrorType: "UNAVAILABLE"},
		{Time: t0.Add(20 * time.Millisecond), Duration: 20 * time.Millisecond, Outcome: sli.Bad, ErrorType: sli.OverflowGroup},
	}
	if len(ev) != len(want) {
		t.Fatalf("events %+v, want %+v", ev, want)
	}
	for i := range want {
		if ev[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, ev[i], want[i])
		}
	}
}

// TestRegisterLate checks that the method set is learned when Register is
// called: before, every RPC counts under the overflow group.
func TestRegisterLate(t *testing.T) {
	clk := budgettest.NewClock(t0.Add(time.Second))
	tr, err := budget.New([]sli.Objective{{Name: "per-method", Target: 0.99, GroupBy: sli.GroupByMethod}}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	h, err := grpcslo.New(tr)
	if err != nil {
		t.Fatal(err)
	}
	call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, nil)
	if err := h.Register(testServices); err != nil {
		t.Fatal(err)
	}
	call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, nil)
	call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, nil)
	for group, want := range map[string]int64{sli.OverflowGroup: 1, "/chat.Chat/Ask": 2} {
		var got int64
		for _, st := range tr.Status() {
			if st.Group == group {
				got = st.Good
			}
		}
		if got != want {
			t.Errorf("group %s: %d good, want %d", group, got, want)
		}
	}
}

// TestOptions checks per-method objectives and a classifier that changes
// one row of the table.
func TestOptions(t *testing.T) {
	clk := budgettest.NewClock(t0.Add(time.Second))
	tr, err := budget.New([]sli.Objective{
		{Name: "api", Target: 0.99},
		{Name: "streams", Target: 0.99},
		{Name: "asks", Target: 0.99},
	}, budget.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	h, err := grpcslo.New(tr,
		grpcslo.WithObjectives("api"),
		grpcslo.WithMethodObjectives(map[string][]string{"chat.Chat": {"api", "streams"}, "/chat.Chat/Ask": {"asks"}}),
		grpcslo.WithClassifier(func(c grpcslo.Call) sli.Outcome {
			if c.Code == codes.ResourceExhausted {
				return sli.Excluded
			}
			return grpcslo.Classify(c)
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Register(testServices); err != nil {
		t.Fatal(err)
	}
	call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, status.Error(codes.ResourceExhausted, "quota"))
	call(h, "/chat.Chat/Ask", t0, 0, time.Millisecond, status.Error(codes.Internal, "bug"))
	call(h, "/chat.Chat/Stream", t0, 0, time.Millisecond, nil)
	call(h, "/other.Svc/M", t0, 0, time.Millisecond, nil) // unregistered: the defaults
	got := map[string][3]int64{}
	for _, st := range tr.Status() {
		got[st.Objective.Name] = [3]int64{st.Good, st.Bad, st.LifetimeExcluded}
	}
	want := map[string][3]int64{"api": {2, 0, 0}, "streams": {1, 0, 0}, "asks": {0, 1, 1}}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: good, bad, excluded %v, want %v", name, got[name], w)
		}
	}
}

// TestErrors checks that every configuration problem comes back at once.
func TestErrors(t *testing.T) {
	tr, err := budget.New([]sli.Objective{{Name: "api", Target: 0.99}, {Name: "chat", Target: 0.99, GroupBy: "model"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = grpcslo.New(tr,
		grpcslo.WithObjectives("api", "nope"),
		grpcslo.WithMethodObjectives(map[string][]string{"/a.B/C": {"chat"}}),
		grpcslo.WithClassifier(nil))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`no objective named "nope"`, `method "/a.B/C": objective "chat" groups by "model"`, "WithClassifier(nil)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	h, err := grpcslo.New(tr, grpcslo.WithObjectives("api"),
		grpcslo.WithMethodObjectives(map[string][]string{"/chat.Chat/Typo": {"api"}, "chat.Chat": {"api"}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Register(testServices); err == nil || !strings.Contains(err.Error(), "/chat.Chat/Typo") || strings.Contains(err.Error(), `"chat.Chat"`) {
		t.Errorf("Register: error %v, want one naming /chat.Chat/Typo only", err)
	}
}

// TestAllocs is acceptance test 5 for gRPC: recording an RPC's end
// allocates nothing, and a whole unary call costs one allocation (the
// context TagRPC returns).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	tr, err := budget.New([]sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "fast", Kind: sli.Latency, Target: 0.99, Threshold: time.Second, GroupBy: sli.GroupByMethod},
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := grpcslo.New(tr)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Register(testServices); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tag := &stats.RPCTagInfo{FullMethodName: "/chat.Chat/Ask"}
	begin := &stats.Begin{BeginTime: now}
	out := &stats.OutPayload{SentTime: now.Add(time.Millisecond)}
	fail := &stats.End{BeginTime: now, EndTime: now.Add(2 * time.Millisecond), Error: status.Error(codes.Unavailable, "down")}
	ok := &stats.End{BeginTime: now, EndTime: now.Add(2 * time.Millisecond)}
	bg := context.Background()

	if n := testing.AllocsPerRun(1000, func() {
		ctx := h.TagRPC(bg, tag)
		h.HandleRPC(ctx, begin)
		h.HandleRPC(ctx, out)
		h.HandleRPC(ctx, ok)
	}); n > 1 {
		t.Errorf("a unary call costs %v allocations, want 1", n)
	}
	ctx := h.TagRPC(bg, tag)
	for _, end := range []*stats.End{ok, fail} {
		if n := testing.AllocsPerRun(1000, func() { h.HandleRPC(ctx, end) }); n != 0 {
			t.Errorf("recording an end (error %v) allocates %v times, want 0", end.Error, n)
		}
	}
}
