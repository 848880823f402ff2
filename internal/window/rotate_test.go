package window

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/errbudget/errbudget/sli"
)

// Recorders move the current bucket without the lock (Rotate) while a
// reader folds (Fold, under the owner's mutex) as often as it can, across
// some 2,000 buckets and 70 slot changes: every event is counted exactly
// once, and never in a bucket before its own. The recorders follow
// Series.slow: a later bucket of another slot, or an earlier one, takes the
// mutex. Run it under -race: the fold reads the pending entries while
// rotations write them.
func TestRotateAndFoldExact(t *testing.T) {
	const (
		writers   = 4
		perWriter = 50_000
		buckets   = 2_000
	)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	s := NewStripes(16, false)
	var mu sync.Mutex
	counted := map[int64]int64{} // by bucket, what folds and late adds counted
	fold := func(to int64) {
		var buf [MaxFold]Bucket
		got, _ := s.Fold(buf[:0], to, false)
		for i, x := range got {
			if x.Bad != 0 || i > 0 && x.N <= got[i-1].N {
				t.Errorf("fold returned %v", got)
			}
			counted[x.N] += x.Good
		}
	}
	const b0 = 1_000_020 // 20 buckets into a slot
	var now atomic.Int64 // the bucket the recorders' events fall in
	now.Store(b0)
	mu.Lock()
	fold(b0)
	mu.Unlock()
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !done.Load() {
			mu.Lock()
			fold(math.MinInt64)
			mu.Unlock()
			runtime.Gosched()
		}
	})
	events := make([]map[int64]int64, writers)
	var ww sync.WaitGroup
	for w := range writers {
		events[w] = map[int64]int64{}
		ww.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for i := range perWriter {
				if w == 0 && i%(writers*perWriter/buckets/writers) == 0 {
					now.Add(1)
				}
				b := now.Load()
				if r.IntN(50) == 0 {
					b -= int64(r.IntN(3)) // a call that ended a moment ago
				}
				events[w][b]++
				if b == s.Bucket() || b > s.Bucket() && s.Rotate(b) {
					s.Add(s.Index(), sli.Good, -1, 1)
					continue
				}
				mu.Lock()
				if b > s.Bucket() {
					fold(b)
				}
				if b < s.Bucket() {
					counted[b]++ // a late event: straight into its bucket
				} else {
					s.Add(s.Index(), sli.Good, -1, 1)
				}
				mu.Unlock()
			}
		})
	}
	ww.Wait()
	done.Store(true)
	wg.Wait()
	mu.Lock()
	fold(math.MinInt64)
	mu.Unlock()

	want := map[int64]int64{}
	var total int64
	for _, e := range events {
		for b, n := range e {
			want[b] += n
			total += n
		}
	}
	var got, cumWant, cumGot int64
	for b := int64(b0 - 3); b <= now.Load(); b++ {
		cumWant += want[b]
		cumGot += counted[b]
		if cumGot > cumWant {
			t.Fatalf("by bucket %d: %d events counted, only %d recorded: some counted early", b, cumGot, cumWant)
		}
	}
	for _, n := range counted {
		got += n
	}
	if got != total {
		t.Fatalf("counted %d events, recorded %d", got, total)
	}
}

// foldAll folds s without moving its bucket and returns the counts by
// bucket.
func foldAll(s *Stripes) map[int64]int64 {
	var buf [MaxFold]Bucket
	got, _ := s.Fold(buf[:0], math.MinInt64, false)
	m := map[int64]int64{}
	for _, x := range got {
		m[x.N] += x.Good
	}
	return m
}

func addGood(s *Stripes, n int64) { s.Add(s.Index(), sli.Good, -1, n) }

// A rotation that swaps just before a fold and writes its entry only after
// it: the fold counts the bucket it left in the next one (one late), and
// the entry, written later, holds sums the fold already took: the next
// fold must not use it.
func TestFoldSkipsAnEntryWrittenAfterIt(t *testing.T) {
	s := NewStripes(4, false)
	var buf [MaxFold]Bucket
	s.Fold(buf[:0], 1000, false)
	addGood(s, 5)
	w := s.word.Load()
	sum := s.sums()
	if !s.word.CompareAndSwap(w, 1001<<epochBits|w&epochMask) { // Rotate, up to its swap
		t.Fatal("swap failed")
	}
	addGood(s, 3)
	if got := foldAll(s); len(got) != 1 || got[1001] != 8 {
		t.Fatalf("first fold: %v, want map[1001:8]", got)
	}
	s.pend[1000&(pendLen-1)].Store(entry(sum)) // the rest of Rotate
	addGood(s, 2)
	if got := foldAll(s); len(got) != 1 || got[1001] != 2 {
		t.Fatalf("second fold: %v, want map[1001:2]", got)
	}
}

// A rotation slow to write its entry (it swapped before the last fold)
// overwrites the slot of an entry of the current epoch while a fold reads
// it: sums older than the fold's base are not used, and the events count
// in the next bucket.
func TestFoldSkipsAnEntryOverwrittenWithOlderSums(t *testing.T) {
	s := NewStripes(4, false)
	var buf [MaxFold]Bucket
	s.Fold(buf[:0], 1000, false)
	addGood(s, 5)
	foldAll(s) // base: 5
	addGood(s, 4)
	if !s.Rotate(1001) {
		t.Fatal("no rotation")
	}
	addGood(s, 1)
	s.pend[1000&(pendLen-1)].Store(entry(Counts{Good: 2})) // the slow rotation's older sums
	if got := foldAll(s); len(got) != 1 || got[1001] != 5 {
		t.Fatalf("fold: %v, want map[1001:5]", got)
	}
}
