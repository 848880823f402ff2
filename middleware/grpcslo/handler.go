package grpcslo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/internal/wiring"
	"github.com/errbudget/errbudget/sli"
)

// ServiceInfoProvider is what Register learns methods from; *grpc.Server
// implements it.
type ServiceInfoProvider interface {
	GetServiceInfo() map[string]grpc.ServiceInfo
}

// ServerHandler is a grpc stats.Handler that counts every RPC a server
// completes toward a tracker's objectives. Create it with New,
// pass it to grpc.NewServer with grpc.StatsHandler, register the services,
// then call Register with the server before Serve.
//
// A ServerHandler is safe for concurrent use. It has no zero value.
type ServerHandler struct {
	tr       *budget.Tracker
	classify func(Call) sli.Outcome

	def       *resolver
	perMethod map[string]*resolver // by full method or service name
	methods   atomic.Pointer[map[string]*method]
	other     *method // any method not registered; its set is def.Overflow()

	mu     sync.Mutex // serialises Register
	unused map[string]bool
}

// key is a method as a budget.Key: its full name (sli.GroupByMethod), then
// its service's (sli.GroupByService).
type key [2]string

func (k key) Label(i int) string            { return k[i] }
func (k key) WithLabel(i int, v string) key { k[i] = v; return k }

type resolver = budget.Resolver[key, budget.Set]

// method is one registered method (or the one entry for all the others),
// resolved once to the series its RPCs record into.
type method struct {
	name      string // full method name; "" for the unregistered
	streaming bool   // the server streams its response
	set       budget.Set
}

// New returns a stats handler that records into tr. Every problem with the
// configuration comes back at once in the error: unknown objective names,
// objectives grouped by a label the handler cannot tell (anything but
// sli.GroupByMethod and sli.GroupByService), a nil classifier. It panics when
// tr is nil, as http.Handle does with a nil handler: that is a wiring bug,
// not configuration.
func New(tr *budget.Tracker, opts ...Option) (*ServerHandler, error) {
	if tr == nil {
		panic("grpcslo: New with a nil tracker")
	}
	var c config
	for _, o := range opts {
		o.apply(&c)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("grpcslo: "+format, args...))
	}
	// resolveNames resolves the objectives of one scope (the default, a
	// route or method); nil names mean every objective.
	resolveNames := func(where string, names []string) *resolver {
		r, problems := budget.NewResolver(tr, names, []string{sli.GroupByMethod, sli.GroupByService}, func(_ key, s budget.Set) budget.Set { return s })
		for _, p := range problems {
			bad("%s: %v", where, p)
		}
		return r
	}
	var names []string // nil: every objective of the tracker
	if c.objectivesSet {
		names = append([]string{}, c.objectives...) // named, maybe none (an error)
	}
	h := &ServerHandler{
		tr:        tr,
		classify:  c.classify,
		def:       resolveNames("objectives", names),
		perMethod: map[string]*resolver{},
		unused:    map[string]bool{},
	}
	for _, k := range slices.Sorted(maps.Keys(c.methodObjectives)) {
		h.perMethod[k] = resolveNames(fmt.Sprintf("method %q", k), append([]string{}, c.methodObjectives[k]...))
		h.unused[k] = true
	}
	if c.classifySet && c.classify == nil {
		bad("WithClassifier(nil)")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	empty := map[string]*method{}
	h.methods.Store(&empty)
	// The series of unregistered methods are created on the first such RPC
	// (record), not here, so that a server that never sees one shows no
	// _OTHER group.
	h.other = &method{}
	return h, nil
}

// Register learns the methods of the services registered on srv (a
// *grpc.Server), so that their RPCs count under their own names; RPCs of
// any other method count as one group, sli.OverflowGroup. Call it after
// registering the services and before Serve: the handler is built before the
// server, so it cannot know them sooner. It may be called for several
// servers sharing a handler.
//
// It resolves each method's series at once, in the order of their names, so
// every method shows in the status from the start (with no data); methods
// past an objective's MaxGroups, or with a name longer than sli.MaxGroupLen,
// share sli.OverflowGroup, by the rule every adapter shares (budget.Resolver:
// logged once, counted in Status.Overflow). The error names the keys of
// WithMethodObjectives that match no method registered so far; the methods
// are learned all the same.
func (h *ServerHandler) Register(srv ServiceInfoProvider) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	next := maps.Clone(*h.methods.Load())
	// Sorted, so that which methods get a group of their own, when there
	// are more than an objective's MaxGroups, does not depend on map order.
	type entry struct {
		full, svc string
		info      grpc.MethodInfo
	}
	var added []entry
	for svc, info := range srv.GetServiceInfo() {
		for _, mi := range info.Methods {
			full := "/" + svc + "/" + mi.Name
			if _, ok := next[full]; !ok {
				added = append(added, entry{full, svc, mi})
			}
		}
	}
	slices.SortFunc(added, func(a, b entry) int { return strings.Compare(a.full, b.full) })
	for _, a := range added {
		r, ok := h.perMethod[a.full]
		if ok {
			delete(h.unused, a.full)
		} else if r, ok = h.perMethod[a.svc]; ok {
			delete(h.unused, a.svc)
		} else {
			r = h.def
		}
		next[a.full] = &method{name: a.full, streaming: a.info.IsServerStream, set: r.Get(key{a.full, a.svc})}
	}
	h.methods.Store(&next)
	if len(h.unused) > 0 {
		return fmt.Errorf("grpcslo: WithMethodObjectives: no registered method matches %q", slices.Sorted(maps.Keys(h.unused)))
	}
	return nil
}

// rpc is one RPC in flight: the context grpc-go uses for the rest of the
// RPC, which answers Value for rpcKey with itself. Being the context, it
// costs one allocation, where context.WithValue and a state of its own
// would cost two.
type rpc struct {
	context.Context
	h     *ServerHandler // the handler that tagged it: several may be chained
	m     *method
	first time.Time // SentTime of the first response message
}

// rpcKey is the key under which an rpc answers Value: one per handler, so
// that handlers chained on one server (grpc-go calls every TagRPC in turn,
// each on the context the previous one returned) each find their own.
type rpcKey struct{ h *ServerHandler }

func (r *rpc) Value(key any) any {
	if k, ok := key.(rpcKey); ok && k.h == r.h {
		return r
	}
	return r.Context.Value(key)
}

func (h *ServerHandler) rpcOf(ctx context.Context) *rpc {
	if r, ok := ctx.(*rpc); ok && r.h == h {
		return r
	}
	r, _ := ctx.Value(rpcKey{h}).(*rpc)
	return r
}

// TagRPC implements stats.Handler: it resolves the method, once per RPC,
// with one map lookup.
func (h *ServerHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	m, ok := (*h.methods.Load())[info.FullMethodName]
	if !ok {
		m = h.other
	}
	return &rpc{Context: ctx, h: h, m: m}
}

// HandleRPC implements stats.Handler: it notes the first response message
// and records the RPC at its end. Client-side stats are ignored.
func (h *ServerHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	switch s := s.(type) {
	case *stats.OutPayload:
		if s.Client {
			return
		}
		if r := h.rpcOf(ctx); r != nil && r.first.IsZero() {
			r.first = s.SentTime
		}
	case *stats.End:
		if s.Client {
			return
		}
		if r := h.rpcOf(ctx); r != nil {
			h.record(r, s)
		}
	}
}

// record turns the end of an RPC into one event. Its times are grpc-go's:
// the handler reads no clock.
func (h *ServerHandler) record(r *rpc, end *stats.End) {
	m := r.m
	set := m.set
	if m == h.other {
		set = h.def.Overflow()
	}
	c := Call{Method: m.name, Code: codeOf(end.Error), Err: end.Error}
	var o sli.Outcome
	if h.classify != nil {
		o = h.userClassify(c)
	} else {
		o = Classify(c)
	}
	e := sli.Event{
		Time:      end.EndTime,
		Duration:  end.EndTime.Sub(end.BeginTime),
		Outcome:   o,
		Streaming: m.streaming,
	}
	if !r.first.IsZero() {
		e.FirstToken = max(r.first.Sub(end.BeginTime), 1) // zero means none
	}
	if o == sli.Bad {
		e.ErrorType = ErrorType(c.Code)
	}
	set.Record(e)
}

// userClassify calls the application's classifier. grpc-go does not recover
// a stats handler's panic, so one here would crash the server: it is
// recovered and counted (the first one logged), and the RPC is excluded.
func (h *ServerHandler) userClassify(c Call) (o sli.Outcome) {
	defer func() {
		if v := recover(); v != nil {
			wiring.RecoveredPanic(h.tr, "grpcslo: classifier (WithClassifier)", v)
			o = sli.Excluded
		}
	}()
	return h.classify(c)
}

// codeOf returns the status code of err without allocating for the status
// errors grpc-go reports.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if se, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		return se.GRPCStatus().Code()
	}
	return status.Code(err)
}

// TagConn implements stats.Handler; connections are not counted.
func (h *ServerHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

// HandleConn implements stats.Handler; connections are not counted.
func (h *ServerHandler) HandleConn(context.Context, stats.ConnStats) {}

// The handler is a stats.Handler; a compile-time check.
var _ stats.Handler = (*ServerHandler)(nil)
