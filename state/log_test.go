package state

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// logStates returns a FileStore at a fresh path that saved sample() whole
// and then three changed states as log records, and the encodings of the
// four states in order, and the size of the log after each record.
func logStates(t *testing.T) (f *FileStore, path string, encs [][]byte, sizes []int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "errbudget.state")
	f = NewFileStore(path)
	st := sample()
	for i := range 3000 { // a base large beside a record
		st.Objectives[1].Series[1].Tiers[2] = append(st.Objectives[1].Series[1].Tiers[2], Bucket{N: int64(i), Good: int64(i % 7)})
	}
	st.Objectives[0].Series[0].Tiers[0] = append(st.Objectives[0].Series[0].Tiers[0], make([]Bucket, 0, 8)...) // room to append in place
	enc := func() {
		b, err := st.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		encs = append(encs, b)
	}
	if err := f.Save(st); err != nil {
		t.Fatal(err)
	}
	enc()
	for i := range 3 {
		// A new bucket, the counts of the series, the alerts and a
		// section change; nothing else does.
		s := &st.Objectives[0].Series[0]
		keep := len(s.Tiers[0])
		s.Tiers[0] = append(s.Tiers[0], Bucket{N: 101 + int64(i), Good: 5})
		s.Good += 5
		s.Alerts[1].Firing = i%2 == 0
		st.Taken = st.Taken.Add(10 * time.Second)
		st.Sections[0].Data = []byte{1, 0, byte(i)}
		ch := &Changes{Sections: true, Series: [][]SeriesChange{
			{{Changed: true, Alerts: true, Tiers: []Splice{{0, keep}, {0, 1}, {0, 0}}, Latency: Splice{0, 0}}},
			{{Tiers: make([]Splice, 3)}, {Tiers: make([]Splice, 3)}},
		}}
		if err := f.SaveChanges(st, ch); err != nil {
			t.Fatal(err)
		}
		enc()
		fi, err := os.Stat(path + logSuffix)
		if err != nil {
			t.Fatalf("no log after a save of changes: %v", err)
		}
		sizes = append(sizes, fi.Size())
	}
	return f, path, encs, sizes
}

func loadEncoded(t *testing.T, path string) []byte {
	t.Helper()
	st, err := NewFileStore(path).Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLogRecordsLoad: the base and the records appended after it load as
// the last state saved; the log is small beside the base.
func TestLogRecordsLoad(t *testing.T) {
	_, path, encs, sizes := logStates(t)
	if got := loadEncoded(t, path); !bytes.Equal(got, encs[3]) {
		t.Error("base and log do not load as the last state saved")
	}
	if base, _ := os.Stat(path); sizes[2]-sizes[1] >= base.Size()/2 {
		t.Errorf("a record of one new bucket takes %d bytes, the base %d", sizes[2]-sizes[1], base.Size())
	}
}

// TestLogTornTail: a record cut short (a crash during the append) is
// dropped, and the records before it load; the log is not set aside. Every
// cut is tried.
func TestLogTornTail(t *testing.T) {
	_, path, encs, sizes := logStates(t)
	log, err := os.ReadFile(path + logSuffix)
	if err != nil {
		t.Fatal(err)
	}
	for cut := sizes[1]; cut < sizes[2]; cut++ {
		if err := os.WriteFile(path+logSuffix, log[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		if got := loadEncoded(t, path); !bytes.Equal(got, encs[2]) {
			t.Fatalf("log cut at %d of %d: does not load as the state before the cut record", cut, len(log))
		}
	}
	if aside, _ := filepath.Glob(path + "*.bad-*"); len(aside) != 0 {
		t.Errorf("a torn tail was set aside: %v", aside)
	}
}

// TestLogDamagedRecord: a record whose bytes changed is dropped with the
// records after it, and the log is set aside; the base and the records
// before load.
func TestLogDamagedRecord(t *testing.T) {
	_, path, encs, sizes := logStates(t)
	log, _ := os.ReadFile(path + logSuffix)
	log[sizes[0]+10] ^= 0x40 // in the second record
	os.WriteFile(path+logSuffix, log, 0o600)
	if got := loadEncoded(t, path); !bytes.Equal(got, encs[1]) {
		t.Error("a damaged second record: does not load as the state of the first")
	}
	if aside, _ := filepath.Glob(path + logSuffix + ".bad-*"); len(aside) != 1 {
		t.Errorf("the damaged log was not set aside: %v", aside)
	}
}

// TestLogStale: a log that names another base (a crash after a new base
// replaced the old, before the old log was removed; a release without logs
// saving since) is ignored and removed.
func TestLogStale(t *testing.T) {
	_, path, encs, _ := logStates(t)
	if err := os.WriteFile(path, encs[0], 0o600); err != nil { // the same state as the base, written again
		t.Fatal(err)
	}
	st := sample()
	st.Taken = st.Taken.Add(time.Hour)
	b, _ := st.AppendBinary(nil)
	os.WriteFile(path, b, 0o600) // a base the log does not name
	if got := loadEncoded(t, path); !bytes.Equal(got, b) {
		t.Error("a stale log was applied")
	}
	if _, err := os.Stat(path + logSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale log is still there: %v", err)
	}
}

// TestLogCompactsIntoANewBase: when the log would pass half the base's
// size, the state is saved whole and the log removed; a base saves removes
// it too.
func TestLogCompactsIntoANewBase(t *testing.T) {
	f, path, encs, _ := logStates(t)
	st, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Another State than the one saved before: saved whole.
	if err := f.SaveChanges(st, &Changes{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + logSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a whole save left the log: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, encs[3]) {
		t.Error("the new base is not the state")
	}
	ch := &Changes{Series: [][]SeriesChange{ // the large series anew in each record
		{{Tiers: make([]Splice, 3)}},
		{{Tiers: make([]Splice, 3)}, {Changed: true, New: true, Tiers: make([]Splice, 3)}},
	}}
	compactions, prev := 0, int64(0)
	for i := range 10 {
		st.Taken = st.Taken.Add(time.Second)
		if err := f.SaveChanges(st, ch); err != nil {
			t.Fatal(err)
		}
		base, _ := os.Stat(path)
		size := int64(0)
		if log, err := os.Stat(path + logSuffix); err == nil {
			size = log.Size()
		}
		if size > base.Size()/logShare {
			t.Fatalf("save %d: log of %d bytes beside a base of %d", i, size, base.Size())
		}
		if size <= prev {
			compactions++
		}
		prev = size
	}
	if compactions < 3 {
		t.Errorf("%d compactions in 10 saves of records a third of the base", compactions)
	}
	want, _ := st.AppendBinary(nil)
	if got := loadEncoded(t, path); !bytes.Equal(got, want) {
		t.Error("after compactions the state does not load")
	}
}

// TestLogGoesAsideWithItsBase: a damaged base is set aside with its log
// beside it, and nothing loads.
func TestLogGoesAsideWithItsBase(t *testing.T) {
	_, path, _, _ := logStates(t)
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 1
	os.WriteFile(path, b, 0o600)
	if _, err := NewFileStore(path).Load(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Load = %v, want ErrCorrupt", err)
	}
	aside, _ := filepath.Glob(path + ".bad-*")
	if len(aside) != 2 {
		t.Errorf("set aside: %v, want the base and its log", aside)
	}
	if _, err := os.Stat(path + logSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the log stayed: %v", err)
	}
}

// The golden base and log: the 7daad9c golden's state saved whole, then
// two records (a new fine bucket and counts in "api", a section changed,
// an alert, a latency slot added in "lat"/"a"), written by the first build
// with logs; want.bin is the state they load as. ERRBUDGET_WRITE_GOLDEN=1
// writes them again.
const goldenLogDir = "testdata/log-a"

func TestGoldenLogLoads(t *testing.T) {
	if os.Getenv("ERRBUDGET_WRITE_GOLDEN") == "1" {
		os.MkdirAll(goldenLogDir, 0o755)
		path := filepath.Join(goldenLogDir, "state")
		os.Remove(path + logSuffix)
		var st State
		if err := st.UnmarshalBinary(golden(t, "state-7daad9c.bin")); err != nil {
			t.Fatal(err)
		}
		f := NewFileStore(path)
		if err := f.Save(&st); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			api := &st.Objectives[0].Series[0]
			fine := api.Tiers[0]
			api.Tiers[0] = append(fine, Bucket{N: fine[len(fine)-1].N + 1 + int64(i), Good: 7, Bad: 1})
			api.Good, api.Bad = api.Good+7, api.Bad+1
			api.Alerts[0].Firing = !api.Alerts[0].Firing
			st.Taken = st.Taken.Add(10 * time.Second)
			st.Sections[0].Data = append([]byte(nil), st.Sections[0].Data...)
			st.Sections[0].Data[len(st.Sections[0].Data)-1] ^= byte(i + 1)
			lat := &st.Objectives[1].Series[0]
			lat.Latency = append(lat.Latency, LatencySlot{N: lat.Latency[len(lat.Latency)-1].N + 1, Max: 1234, Counts: []HistogramCount{{Index: 5, Count: 2}}})
			ch := &Changes{Sections: true, Series: [][]SeriesChange{
				{{Changed: true, Alerts: true, Tiers: []Splice{{0, len(fine)}, {0, len(api.Tiers[1])}, {0, len(api.Tiers[2])}}}},
				make([]SeriesChange, len(st.Objectives[1].Series)),
			}}
			for j, s := range st.Objectives[1].Series {
				ch.Series[1][j] = SeriesChange{Changed: j == 0, Tiers: []Splice{{0, len(s.Tiers[0])}, {0, len(s.Tiers[1])}, {0, len(s.Tiers[2])}}, Latency: Splice{0, len(s.Latency)}}
			}
			ch.Series[1][0].Latency.Keep--
			if err := f.SaveChanges(&st, ch); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := st.AppendBinary(nil)
		os.WriteFile(filepath.Join(goldenLogDir, "want.bin"), b, 0o644)
	}
	dir := t.TempDir()
	for _, name := range []string{"state", "state.log"} {
		b, err := os.ReadFile(filepath.Join(goldenLogDir, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "errbudget."+name), b, 0o600)
	}
	want, err := os.ReadFile(filepath.Join(goldenLogDir, "want.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loadEncoded(t, filepath.Join(dir, "errbudget.state")); !bytes.Equal(got, want) {
		t.Error("the golden base and log do not load as the state they were written from")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "errbudget.state.log")); fi == nil || fi.Size() <= logHeader {
		t.Error("the golden log was not kept")
	}
}
