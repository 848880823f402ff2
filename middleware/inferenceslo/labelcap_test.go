package inferenceslo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/errbudget/errbudget/middleware/inferenceslo"
	"github.com/errbudget/errbudget/sli"
)

// Model, provider and operation can come from a request's body (a proxy
// passes them on). One request naming a 1 MB model must not put 1 MB into
// every metric series and every status: past sli.MaxGroupLen bytes each is
// the overflow group, in the series and in the metric attributes alike.
func TestLongLabelValuesOverflow(t *testing.T) {
	objs := []sli.Objective{
		{Name: "by-model", Target: 0.99, GroupBy: sli.GroupByModel},
		{Name: "by-provider", Target: 0.99, GroupBy: sli.GroupByProvider},
		{Name: "by-operation", Target: 0.99, GroupBy: sli.GroupByOperation},
	}
	r := newRig(t, objs)
	ctx := context.Background()
	long := strings.Repeat("m", 1<<20)
	atCap := strings.Repeat("k", 256)
	for _, req := range []inferenceslo.Request{
		{Model: long},
		{Model: "gpt-x", Provider: strings.Repeat("p", 257)},
		{Model: "gpt-x", Operation: strings.Repeat("o", 300)},
		{Model: atCap},
	} {
		call := r.inst.StartRequest(ctx, req)
		r.clk.Advance(10 * time.Millisecond)
		call.End(nil)
	}
	r.inst.RecordScore(long, 1)

	groups := map[string]map[string]int64{}
	for _, st := range r.tr.Status() {
		if len(st.Group) > 256 {
			t.Errorf("%s: a group of %d bytes", st.Objective.Name, len(st.Group))
			continue
		}
		if groups[st.Objective.Name] == nil {
			groups[st.Objective.Name] = map[string]int64{}
		}
		groups[st.Objective.Name][st.Group] = st.Good
	}
	if got := groups["by-model"][sli.OverflowGroup]; got != 1 {
		t.Errorf("by-model: %d good in %s, want the 1 call naming a 1 MB model (groups %v)", got, sli.OverflowGroup, keys(groups["by-model"]))
	}
	if got := groups["by-model"][atCap]; got != 1 {
		t.Errorf("by-model: a 256-byte model lost its own group (groups %v)", keys(groups["by-model"]))
	}
	if got := groups["by-provider"][sli.OverflowGroup]; got != 1 {
		t.Errorf("by-provider: %d good in %s, want 1 (groups %v)", got, sli.OverflowGroup, keys(groups["by-provider"]))
	}
	if got := groups["by-operation"][sli.OverflowGroup]; got != 1 {
		t.Errorf("by-operation: %d good in %s, want 1 (groups %v)", got, sli.OverflowGroup, keys(groups["by-operation"]))
	}

	for name, m := range r.metrics(t) {
		for _, p := range points(t, m) {
			for _, kv := range p.attrs.ToSlice() {
				if v := kv.Value.AsString(); len(v) > 256 {
					t.Errorf("%s: attribute %s of %d bytes", name, kv.Key, len(v))
				}
			}
		}
	}
}

// keys lists group values, shortened for a failure message.
func keys(m map[string]int64) []string {
	var out []string
	for k := range m {
		if len(k) > 20 {
			k = k[:20] + "…"
		}
		out = append(out, k)
	}
	return out
}
