package grpcslo_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/grpcslo"
	"github.com/errbudget/errbudget/sli"
)

// The echo service is registered by hand, without generated code: Fail
// answers the status code it is asked for, Stream sends three messages and
// then ends with the code asked for.
const (
	echoService = "errbudget.test.Echo"
	failMethod  = "/" + echoService + "/Fail"
	streamName  = "/" + echoService + "/Stream"
	checkMethod = "/grpc.health.v1.Health/Check"
	watchMethod = "/grpc.health.v1.Health/Watch"
)

var echoDesc = grpc.ServiceDesc{
	ServiceName: echoService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Fail",
		Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.Int32Value)
			if err := dec(in); err != nil {
				return nil, err
			}
			if in.Value == 0 {
				return &emptypb.Empty{}, nil
			}
			return nil, status.Error(codes.Code(in.Value), "as asked")
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Stream",
		ServerStreams: true,
		Handler: func(_ any, ss grpc.ServerStream) error {
			in := new(wrapperspb.Int32Value)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			for i := range 3 {
				if err := ss.SendMsg(wrapperspb.Int32(int32(i))); err != nil {
					return err
				}
			}
			if in.Value == 0 {
				return nil
			}
			return status.Error(codes.Code(in.Value), "as asked")
		},
	}},
}

// ends wraps a stats handler and reports each server-side End after the
// wrapped handler has recorded it, so that a test can wait for recording
// (grpc-go delivers End after the client may already have its answer).
type ends struct {
	stats.Handler
	done chan struct{}
}

func (e *ends) HandleRPC(ctx context.Context, s stats.RPCStats) {
	e.Handler.HandleRPC(ctx, s)
	if end, ok := s.(*stats.End); ok && !end.Client {
		e.done <- struct{}{}
	}
}

// server is a real gRPC server on a loopback TCP port with the health
// service and the echo service, instrumented by a ServerHandler.
type server struct {
	conn *grpc.ClientConn
	ends chan struct{}
	hs   *health.Server
}

// proxied is the one method the unknown-service handler serves: a proxy's
// route, as far as the server knows an unregistered method.
const proxied = "/proxied.Service/Get"

func unknownService(_ any, ss grpc.ServerStream) error {
	if m, _ := grpc.MethodFromServerStream(ss); m != proxied {
		return status.Error(codes.Unimplemented, "no route")
	}
	if err := ss.RecvMsg(new(emptypb.Empty)); err != nil {
		return err
	}
	return ss.SendMsg(new(emptypb.Empty))
}

func startServer(t *testing.T, tr *budget.Tracker, opts ...grpcslo.Option) *server {
	t.Helper()
	h, err := grpcslo.New(tr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{}, 1000)
	srv := grpc.NewServer(grpc.StatsHandler(&ends{Handler: h, done: done}), grpc.UnknownServiceHandler(unknownService))
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	srv.RegisterService(&echoDesc, struct{}{})
	if err := h.Register(srv); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &server{conn: conn, ends: done, hs: hs}
}

// wait waits until the server has recorded n more RPCs. An RPC that never
// ends fails the test at go test's -timeout, which names it: no margin of
// our own to miss on a loaded machine.
func (s *server) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		<-s.ends
	}
}

type counts struct{ good, bad, excluded int64 }

func countsOf(tr *budget.Tracker, objective, group string) counts {
	for _, st := range tr.Status() {
		if st.Objective.Name == objective && st.Group == group {
			return counts{st.Good, st.Bad, st.LifetimeExcluded}
		}
	}
	return counts{}
}

func (c *counts) add(o sli.Outcome, n int64) {
	switch o {
	case sli.Good:
		c.good += n
	case sli.Bad:
		c.bad += n
	default:
		c.excluded += n
	}
}

// want is the table of the package documentation, written out again.
var want = map[codes.Code]sli.Outcome{
	codes.OK: sli.Good, codes.Canceled: sli.Excluded, codes.Unknown: sli.Bad,
	codes.InvalidArgument: sli.Excluded, codes.DeadlineExceeded: sli.Bad, codes.NotFound: sli.Excluded,
	codes.AlreadyExists: sli.Excluded, codes.PermissionDenied: sli.Excluded, codes.ResourceExhausted: sli.Bad,
	codes.FailedPrecondition: sli.Excluded, codes.Aborted: sli.Excluded, codes.OutOfRange: sli.Excluded,
	codes.Unimplemented: sli.Bad, codes.Internal: sli.Bad, codes.Unavailable: sli.Bad,
	codes.DataLoss: sli.Bad, codes.Unauthenticated: sli.Excluded,
}

// TestServer drives a real server with a real client: every status code, on
// a unary method and on a server stream, the health service's Check and
// Watch, and a method the server does not have. The counts per method and in
// total equal what the client saw, classified by the table.
func TestServer(t *testing.T) {
	p := &probe{}
	tr, err := budget.New([]sli.Objective{
		p.objective("probe"),
		{Name: "rpc", Target: 0.999},
		{Name: "per-method", Target: 0.999, GroupBy: sli.GroupByMethod},
		{Name: "per-service", Target: 0.999, GroupBy: sli.GroupByService},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, tr)
	ctx := context.Background()
	seen := map[string]map[codes.Code]int64{} // method → code the client saw → RPCs
	saw := func(method string, err error) {
		if seen[method] == nil {
			seen[method] = map[codes.Code]int64{}
		}
		seen[method][status.Code(err)]++
	}

	for code := range codes.Code(17) {
		for range 2 {
			err := s.conn.Invoke(ctx, failMethod, wrapperspb.Int32(int32(code)), new(emptypb.Empty))
			saw(failMethod, err)
		}
		st, err := s.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, streamName)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SendMsg(wrapperspb.Int32(int32(code))); err != nil {
			t.Fatal(err)
		}
		st.CloseSend()
		msgs := 0
		for {
			err = st.RecvMsg(new(wrapperspb.Int32Value))
			if err != nil {
				break
			}
			msgs++
		}
		if errors.Is(err, io.EOF) {
			err = nil
		}
		if msgs != 3 {
			t.Errorf("stream %v: %d messages, want 3", code, msgs)
		}
		saw(streamName, err)
	}
	s.wait(t, 17*3)

	health := healthpb.NewHealthClient(s.conn)
	s.hs.SetServingStatus("db", healthpb.HealthCheckResponse_SERVING)
	for _, svc := range []string{"", "db", "db", "nope"} {
		_, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		saw(checkMethod, err)
	}
	// Watch streams until the caller leaves: canceled, excluded.
	wctx, cancel := context.WithCancel(ctx)
	w, err := health.Watch(wctx, &healthpb.HealthCheckRequest{Service: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := w.Recv(); err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Watch: %v, %v", r, err)
	}
	cancel()
	_, err = w.Recv()
	saw(watchMethod, err)
	// Methods the server did not register, served by its unknown-service
	// handler: one proxied route, and probes answered UNIMPLEMENTED (the
	// caller's mistake). All count under one group.
	for range 2 {
		saw("", s.conn.Invoke(ctx, proxied, new(emptypb.Empty), new(emptypb.Empty)))
	}
	for _, probe := range []string{"/no.Such/Method", "/x/y", "/grpc.health.v1.Health/Nope"} {
		saw("", s.conn.Invoke(ctx, probe, new(emptypb.Empty), new(emptypb.Empty)))
	}
	s.wait(t, 4+1+2+3)

	var total counts
	perService := map[string]counts{}
	for method, byCode := range seen {
		var c counts
		for code, n := range byCode {
			o := want[code]
			if method == "" && code == codes.Unimplemented {
				o = sli.Excluded
			}
			c.add(o, n)
		}
		group, svc := sli.OverflowGroup, sli.OverflowGroup
		if method != "" {
			group, svc = method, method[1:strings.LastIndex(method, "/")]
		}
		if got := countsOf(tr, "per-method", group); got != c {
			t.Errorf("%s: counts %+v, want %+v (client saw %v)", group, got, c, byCode)
		}
		ps := perService[svc]
		ps.good += c.good
		ps.bad += c.bad
		ps.excluded += c.excluded
		perService[svc] = ps
		total.good += c.good
		total.bad += c.bad
		total.excluded += c.excluded
	}
	for svc, c := range perService {
		if got := countsOf(tr, "per-service", svc); got != c {
			t.Errorf("service %s: counts %+v, want %+v", svc, got, c)
		}
	}
	if got := countsOf(tr, "rpc", ""); got != total {
		t.Errorf("total: counts %+v, want %+v", got, total)
	}
	// 17 codes × 3 RPCs: OK, 7 bad codes (RESOURCE_EXHAUSTED included),
	// 9 excluded codes (CANCELED included); health: 3 OK and 1 NOT_FOUND; Watch: CANCELED;
	// proxied: 2 OK; probes: 3 excluded.
	if total != (counts{good: 3 + 3 + 2, bad: 7 * 3, excluded: 9*3 + 1 + 1 + 3}) {
		t.Errorf("the client saw unexpected codes: %v", seen)
	}
	// Server streams (Stream, Watch) are streaming, and every RPC that sent a
	// response has its first one timed within the call.
	var streams int
	for _, e := range p.all() {
		if e.Streaming {
			streams++
			if e.FirstToken <= 0 || e.FirstToken > e.Duration {
				t.Errorf("stream event %+v: first message not timed within the call", e)
			}
		}
	}
	if streams != 17+1 {
		t.Errorf("%d streaming events, want 18", streams)
	}
}
