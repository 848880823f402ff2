package budget_test

import (
	"strings"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/sli"
)

func TestService(t *testing.T) {
	objs := []sli.Objective{{Name: "a", Target: 0.99}}
	tr, err := budget.New(objs)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Service() != budget.DefaultService || budget.DefaultService != "unknown_service" {
		t.Errorf("default service %q", tr.Service())
	}
	tr, err = budget.New(objs, budget.WithService("checkout"))
	if err != nil || tr.Service() != "checkout" {
		t.Fatalf("WithService: %v, %v", tr, err)
	}
	for _, name := range []string{"", "  "} {
		if _, err := budget.New(objs, budget.WithService(name)); err == nil || !strings.Contains(err.Error(), "service name is empty") {
			t.Errorf("WithService(%q): %v", name, err)
		}
	}
}
