package budget

import (
	"strings"
	"testing"

	"github.com/errbudget/errbudget/sli"
)

type labels2 [2]string

func (p labels2) Label(i int) string                { return p[i] }
func (p labels2) WithLabel(i int, v string) labels2 { p[i] = v; return p }

// A key seen before, a long one included, costs one map read: no allocation.
func TestResolverGetAllocs(t *testing.T) {
	if raceBuild {
		t.Skip("allocation counts are not meaningful under -race")
	}
	tr, err := New([]sli.Objective{{Name: "m", Target: 0.99, GroupBy: "model"}})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewResolver(tr, nil, []string{"provider", "model"}, func(_ labels2, s Set) Set { return s })
	for _, k := range []labels2{{"p", "m"}, {"p", strings.Repeat("m", 300)}} {
		r.Get(k)
		if n := testing.AllocsPerRun(100, func() { r.Get(k) }); n != 0 {
			t.Errorf("key of %d bytes: %v allocations, want 0", len(k[1]), n)
		}
	}
}
