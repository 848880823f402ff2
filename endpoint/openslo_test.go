package endpoint_test

import (
	"bytes"
	"net/http"
	"reflect"
	"testing"

	"github.com/errbudget/errbudget/budget"
	"github.com/errbudget/errbudget/budgettest"
	"github.com/errbudget/errbudget/endpoint"
	"github.com/errbudget/errbudget/internal/fixture"
	"github.com/errbudget/errbudget/openslo"
	"github.com/errbudget/errbudget/sli"
)

// GET /openslo serves what the writer writes for the tracker, and what it
// serves reads back into the tracker's declarations.
func TestOpenSLO(t *testing.T) {
	objs := fixture.Objectives()
	tr, err := budget.New(objs, budget.WithService("checkout"), budget.WithClock(budgettest.NewClock(t0).Now))
	if err != nil {
		t.Fatal(err)
	}
	h := endpoint.New(tr)
	res, body := get(t, h, http.MethodGet, "/openslo")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /openslo: %d %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	want, _, err := openslo.Marshal(openslo.FromTracker(tr), openslo.YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("GET /openslo differs from openslo.Marshal:\n%s\nwant\n%s", body, want)
	}
	d, err := openslo.Unmarshal(body, openslo.AcceptCustom())
	if err != nil {
		t.Fatal(err)
	}
	if d.Service != "checkout" || len(d.Objectives) != len(objs) || !reflect.DeepEqual(d.AlertRules, tr.AlertRules()) {
		t.Errorf("read back: service %q, %d objectives, rules %+v", d.Service, len(d.Objectives), d.AlertRules)
	}
	for i, o := range d.Objectives {
		w := objs[i]
		w.Include, w.Classify = nil, nil
		if w.Window == (sli.Window{}) {
			w.Window = sli.Rolling(sli.DefaultWindow) // a file always says
		}
		if !reflect.DeepEqual(o, w) {
			t.Errorf("objective %d: read back %+v, want %+v", i, o, w)
		}
	}
}

// The JSON carries the service name, DefaultService when none is given.
func TestServiceInJSON(t *testing.T) {
	for _, c := range []struct {
		opts []budget.Option
		want string
	}{
		{nil, budget.DefaultService},
		{[]budget.Option{budget.WithService("inference-demo")}, "inference-demo"},
	} {
		tr, err := budget.New([]sli.Objective{{Name: "a", Target: 0.99}}, append(c.opts, budget.WithClock(budgettest.NewClock(t0).Now))...)
		if err != nil {
			t.Fatal(err)
		}
		_, body := get(t, endpoint.New(tr), http.MethodGet, "/")
		if got := decode(t, body)["service"]; got != c.want {
			t.Errorf("service = %v, want %q", got, c.want)
		}
	}
}
