// Package bench holds the benchmarks that measure errbudget beside the
// libraries people already run (the Prometheus client, the OpenTelemetry
// SDK, otelhttp, otelgrpc, go-http-metrics), in the same binary. It is its own
// module so that none of those peers enters the library's go.mod.
//
// Run from this directory:
//
//	go test -run '^$' -bench . -benchmem -count 5 -cpu 2 | tee new.txt
//	benchstat new.txt
package bench
