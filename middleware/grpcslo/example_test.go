package grpcslo_test

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/middleware/grpcslo"
	"github.com/errbudget/errbudget/sli"
)

// Instrument a server: the handler goes in as a stats handler, and learns
// the methods once the services are registered.
func Example() {
	tr, err := budget.New([]sli.Objective{
		{Name: "rpc-availability", Target: 0.999, GroupBy: sli.GroupByMethod},
	})
	if err != nil {
		panic(err)
	}
	h, err := grpcslo.New(tr)
	if err != nil {
		panic(err)
	}
	// WaitForHandlers makes Stop wait until every RPC has been recorded.
	srv := grpc.NewServer(grpc.StatsHandler(h), grpc.WaitForHandlers(true))
	hs := health.NewServer()
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	if err := h.Register(srv); err != nil {
		panic(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(lis)

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	client := healthpb.NewHealthClient(conn)
	for _, svc := range []string{"", "db", "cache"} { // "cache" is unknown: NOT_FOUND
		client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: svc})
	}
	conn.Close()
	srv.Stop()

	for _, st := range tr.Status() {
		fmt.Printf("%s %s: good %d, bad %d, excluded %d\n", st.Objective.Name, st.Group, st.Good, st.Bad, st.LifetimeExcluded)
	}
	// Output:
	// rpc-availability /grpc.health.v1.Health/Check: good 2, bad 0, excluded 1
	// rpc-availability /grpc.health.v1.Health/List: good 0, bad 0, excluded 0
	// rpc-availability /grpc.health.v1.Health/Watch: good 0, bad 0, excluded 0
}
