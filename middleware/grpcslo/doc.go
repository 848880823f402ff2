// Package grpcslo counts the RPCs of a gRPC server toward the objectives of
// a budget.Tracker. It is a grpc stats.Handler, the way grpc-go recommends
// instrumenting a server: each completed RPC becomes one sli.Event
// (completion time, duration, outcome by status code, time to the first
// response message, whether the server streamed) recorded into the
// objectives its method counts toward.
//
// It is its own Go module, so that applications that only serve HTTP never
// get grpc-go and its protobuf tree in their module graph.
//
// # Quick start
//
//	h, err := grpcslo.New(tr)
//	if err != nil {
//		return err
//	}
//	srv := grpc.NewServer(grpc.StatsHandler(h))
//	healthpb.RegisterHealthServer(srv, health.NewServer())
//	pb.RegisterOrdersServer(srv, orders)
//	if err := h.Register(srv); err != nil { // after the services, before Serve
//		return err
//	}
//	srv.Serve(lis)
//
// The handler exists before the server, so it cannot know the services when
// it is built; Register learns them from the server (GetServiceInfo) and
// resolves, once per method, the series its RPCs record into. Per RPC,
// TagRPC does one map lookup, and the end of the RPC records into resolved
// series.
//
// # Methods and objectives
//
// By default an RPC counts toward every objective of the tracker;
// WithObjectives names the ones it counts toward, and WithMethodObjectives
// gives some methods or services objectives of their own. An objective
// whose GroupBy is sli.GroupByMethod ("method") keeps one budget per full method
// name ("/package.Service/Method"); sli.GroupByService ("service"), one per
// service.
//
// The method names are those of the registered services, never a name a
// caller sent. grpc-go answers a method it does not have with UNIMPLEMENTED
// and reports no end for it, so such calls are not counted at all; a server
// with an unknown-service handler (grpc.UnknownServiceHandler, a proxy)
// does report them, and they all count under one group, sli.OverflowGroup
// ("_OTHER"), as do RPCs that arrive before Register. A method or service
// name longer than sli.MaxGroupLen bytes (256), and methods past an
// objective's MaxGroups, count in that group too, in objectives grouped by
// it: the rule every adapter shares (budget.Resolver).
//
// # What counts as bad
//
// Classify is the default classification: the status code the RPC ended
// with, by the table below, with one exception. WithClassifier replaces it,
// and can call Classify to keep the rows it does not change (to count
// RESOURCE_EXHAUSTED as the caller's, say).
//
//	| status code                                                | outcome  |
//	|------------------------------------------------------------|----------|
//	| OK                                                         | good     |
//	| UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,       | bad      |
//	| UNAVAILABLE, DATA_LOSS                                     |          |
//	| RESOURCE_EXHAUSTED (configurable, see WithClassifier)      | bad      |
//	| CANCELLED (the caller went away)                           | excluded |
//	| INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,               | excluded |
//	| PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION,   |          |
//	| ABORTED, OUT_OF_RANGE                                      |          |
//	| any code outside the spec                                  | bad      |
//
// The exception: UNIMPLEMENTED from a method the server did not register
// (its unknown-service handler's "no such route") is excluded, as an HTTP
// 404 is: the caller's mistake, and no caller can burn the budget by
// probing names. A registered method that answers UNIMPLEMENTED is bad.
//
// Bad events carry the code's name ("UNAVAILABLE") as their ErrorType.
// Latency objectives count only the RPCs the table calls good.
//
// A handler's panic is not the stats handler's to see: grpc-go does not
// recover it (the process crashes) unless a recovery interceptor turns it
// into a status, which is then classified like any other.
//
// # Times
//
// The handler reads no clock: the event's Time is grpc-go's end time, its
// Duration runs from grpc-go's begin time, so a server stream counts its
// whole stream. FirstToken is the time to the first response message sent
// (for time-to-first-token objectives on streaming methods); Streaming is
// true for methods that stream their response.
//
// # Interceptors
//
// There are none: the stats handler sees every RPC with the status it
// ended with (after every interceptor) and grpc-go's own times.
//
// # Performance
//
// One allocation per RPC, the context TagRPC returns, which is the RPC's
// state; recording allocates nothing and takes no lock. Client-side stats
// are ignored.
//
// # Concurrency
//
// A ServerHandler is safe for concurrent use; Register may run while RPCs
// are served, and several servers may share one handler.
package grpcslo
