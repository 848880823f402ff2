package genaiotel_test

import (
	"context"
	"fmt"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/errbudget/errbudget/genaiotel"
)

// Record one streaming chat call that failed with a timeout after its first
// chunk, then read what a collection sees.
func Example() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	m, err := genaiotel.New(genaiotel.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	errorTypes := []string{"", "timeout"} // index 0: no error.type
	rec := m.Recorder("chat", "openai", "gpt-4o", errorTypes...)

	ctx := context.Background()
	rec.TimeToFirstChunk(ctx, 300*time.Millisecond)
	rec.Duration(ctx, 2*time.Second, 1) // timeout
	rec.InputTokens(ctx, 12)
	rec.OutputTokens(ctx, 40)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			switch d := mt.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					et, _ := dp.Attributes.Value("error.type")
					fmt.Printf("%s %s: %d, sum %g s, error.type %q\n", mt.Name, mt.Unit, dp.Count, dp.Sum, et.AsString())
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					tt, _ := dp.Attributes.Value("gen_ai.token.type")
					fmt.Printf("%s %s: %s %d\n", mt.Name, mt.Unit, tt.AsString(), dp.Sum)
				}
			}
		}
	}
	// Unordered output:
	// gen_ai.client.operation.duration s: 1, sum 2 s, error.type "timeout"
	// gen_ai.client.operation.time_to_first_chunk s: 1, sum 0.3 s, error.type ""
	// gen_ai.client.token.usage {token}: input 12
	// gen_ai.client.token.usage {token}: output 40
}
