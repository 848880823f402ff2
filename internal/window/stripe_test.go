package window

import (
	"runtime"
	"sync"
	"testing"
)

// A goroutine writes the same stripe on every call while its stack stays
// where it is, and goroutines that run at once spread over the stripes.
func TestStripeIndexStickyAndSpread(t *testing.T) {
	s := NewStripes(16, false)
	const goroutines = 8
	idx := liveIndexes(goroutines, func(g int) int {
		// A stack that grows moves, and the stripe with it: a goroutine
		// keeps its stripe between moves, which are rare.
		first := s.Index()
		for range 100 {
			if i := s.Index(); i != first {
				t.Errorf("goroutine %d wrote stripe %d, then %d", g, first, i)
				break
			}
		}
		return first
	})
	seen := map[int]bool{}
	for _, i := range idx {
		if i < 0 || i >= s.Len() {
			t.Fatalf("stripe %d out of range", i)
		}
		seen[i] = true
	}
	if len(seen) < 2 {
		t.Errorf("%d goroutines running at once all write stripe %v", goroutines, idx)
	}
}

func TestStripeCount(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct{ procs, want int }{{1, 4}, {2, 8}, {3, 16}, {4, 16}, {64, 16}} {
		runtime.GOMAXPROCS(c.procs)
		if got := StripeCount(); got != c.want {
			t.Errorf("GOMAXPROCS %d: %d stripes, want %d", c.procs, got, c.want)
		}
	}
}

// Many recorders running at once land on the stripes evenly: 256
// goroutines alive together over 16 stripes put between a quarter and
// twice the mean on each (issue 12: recording stays flat on many cores).
func TestStripeIndexEven(t *testing.T) {
	const goroutines, stripes = 256, 16
	s := NewStripes(stripes, false)
	idx := liveIndexes(goroutines, func(int) int { return s.Index() })
	hits := make([]int, stripes)
	for _, i := range idx {
		hits[i]++
	}
	const mean = goroutines / stripes
	for i, h := range hits {
		if h < mean/4 || h > 2*mean {
			t.Errorf("stripe %d takes %d of %d recorders, want %d to %d: %v", i, h, goroutines, mean/4, 2*mean, hits)
			break
		}
	}
}

// liveIndexes starts n goroutines and, once every one is alive (each on
// its own stack), has each pick its stripe; it returns what they picked.
func liveIndexes(n int, pick func(g int) int) []int {
	idx := make([]int, n)
	var ready, done sync.WaitGroup
	ready.Add(n)
	done.Add(n)
	release := make(chan struct{})
	for g := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-release
			idx[g] = pick(g)
		}()
	}
	ready.Wait()
	close(release)
	done.Wait()
	return idx
}
