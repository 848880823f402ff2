package grpcslo

import "github.com/errbudget/errbudget/sli"

// Option configures a ServerHandler. Options are resolved once, in New;
// an option given twice keeps the later value.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	objectives       []string
	objectivesSet    bool
	methodObjectives map[string][]string
	classify         func(Call) sli.Outcome
	classifySet      bool
}

// WithObjectives names the objectives every RPC counts toward (those of
// methods that WithMethodObjectives lists excepted). The default is every
// objective of the tracker. A later WithObjectives replaces an earlier one.
func WithObjectives(names ...string) Option {
	names = append([]string(nil), names...)
	return optionFunc(func(c *config) {
		c.objectives = names
		c.objectivesSet = true
	})
}

// WithMethodObjectives makes the RPCs of some methods count toward the named
// objectives instead of the default ones. Keys are full method names
// ("/package.Service/Method") or service names ("package.Service", for
// every method of the service); a method's own entry wins over its
// service's. Register reports keys that match no registered method. Several
// calls merge.
func WithMethodObjectives(methods map[string][]string) Option {
	cp := make(map[string][]string, len(methods))
	for k, v := range methods {
		cp[k] = append([]string(nil), v...)
	}
	return optionFunc(func(c *config) {
		if c.methodObjectives == nil {
			c.methodObjectives = map[string][]string{}
		}
		for k, v := range cp {
			c.methodObjectives[k] = v
		}
	})
}

// WithClassifier replaces the default classification (Classify, the table
// in the package documentation) with f. It runs once per RPC: keep it
// cheap. A panic in f never reaches grpc-go (which would crash the server):
// the RPC is excluded, and the first such panic is logged through the
// tracker's logger. To change one row and
// keep the others, call Classify from f:
//
//	grpcslo.WithClassifier(func(c grpcslo.Call) sli.Outcome {
//		if c.Code == codes.ResourceExhausted {
//			return sli.Excluded // quota errors are the caller's
//		}
//		return grpcslo.Classify(c)
//	})
func WithClassifier(f func(Call) sli.Outcome) Option {
	return optionFunc(func(c *config) {
		c.classify = f
		c.classifySet = true
	})
}
