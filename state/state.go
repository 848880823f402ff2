// Package state keeps a budget.Tracker's state across restarts: the plain
// State a tracker captures and restores, its versioned and checksummed
// format (State.AppendBinary), and the Stores that keep it: FileStore in a
// file, MemoryStore in memory.
//
//	store := state.NewFileStore("/var/lib/app/errbudget.state")
//	tr, err := budget.New(objectives, budget.WithStore(store, 10*time.Second))
//
// New restores, Run saves every interval, Close saves the last time. A file
// written by an earlier release loads; sections this release does not know
// are skipped, so rolling a release back keeps the counts.
package state

import (
	"errors"
	"sync"
	"time"

	"github.com/errbudget/errbudget/sli"
)

// Store keeps a tracker's latest State (budget.WithStore), which calls it
// from one goroutine at a time.
type Store interface {
	// Load returns the state last saved, or an error wrapping ErrNotFound
	// when nothing has been saved, or wrapping ErrCorrupt when what was
	// there is unreadable and has been moved out of the way (so that the
	// next Save destroys nothing). Any other error (permissions, I/O, a
	// damaged state that could not be moved) means the saved state is left
	// in place: the tracker starts fresh and saves nothing over it.
	Load() (*State, error)
	// Save replaces the saved state with st, atomically: whatever happens
	// during Save, a later Load returns the old state or the new one,
	// never a mix. Save must not keep st after it returns.
	Save(st *State) error
}

// ErrNotFound is wrapped by the error Store.Load returns when nothing has
// been saved.
var ErrNotFound = errors.New("state: nothing saved")

// ErrCorrupt is wrapped by the error a state that cannot be read comes back
// with: damaged, truncated, empty, or not a state file. (A file of a newer
// major version is not corrupt: it is refused but left in place.)
var ErrCorrupt = errors.New("state: unreadable")

// State is what a tracker saves: its counts, alert and policy state, the
// corrections, and the sections other parts of the tracker add. Times are
// UTC; a zero time is "never".
type State struct {
	Taken                      time.Time       // when the state was captured
	BucketWidths               []time.Duration // of the tiers, finest first
	DroppedPast, DroppedFuture int64           // events dropped as too old, too new
	Corrections                []Correction
	Objectives                 []Objective
	Sections                   []Section // in file order
}

// Correction is a saved budget.Correction.
type Correction struct {
	ID, Objective string
	Start, End    time.Time
	Reason        string
	Recurrence    string
	TimeZone      string
}

// Objective is the state of one objective, with its declaration.
type Objective struct {
	Name      string
	Kind      sli.Kind
	Target    float64
	Threshold time.Duration
	Window    string // as sli.Window.String
	GroupBy   string
	Series    []Series
}

// Series is the state of one series of an objective.
type Series struct {
	Group               string
	Good, Bad, Excluded int64 // over the series' lifetime
	Policy              uint8 // a budget.PolicyState
	EvaluatedAt         time.Time
	Alerts              []Alert
	Tiers               [][]Bucket // one per State.BucketWidths: ascending, non-empty buckets only
	Latency             []LatencySlot
}

// Alert is the state of one alert rule of a series.
type Alert struct {
	Rule   string
	Firing bool
	Since  time.Time
}

// Bucket holds the counts of one bucket of a tier: the one starting at
// N × the tier's width since the Unix epoch.
type Bucket struct{ N, Good, Bad int64 }

// LatencySlot is the latency distribution of one 5-minute slot (the one
// starting at N × 5 minutes since the Unix epoch): the largest latency in
// microseconds, and the non-zero counts of the histogram's buckets in
// ascending order of Index.
type LatencySlot struct {
	N, Max int64
	Counts []HistogramCount
}

// HistogramCount is the count of one latency histogram bucket.
type HistogramCount struct {
	Index int
	Count int64
}

// Section is a named part of the state outside the objectives ("incidents",
// "changes"), opaque here.
type Section struct {
	Name string
	Data []byte
}

// A ChangeSaver is a Store that can save only what changed since its
// previous save: FileStore and MemoryStore append it to a log, and write
// the whole state now and then. budget's tracker calls SaveChanges instead
// of Save when its store is one.
type ChangeSaver interface {
	Store
	// SaveChanges saves st as Save does, given ch, how st differs from
	// the State of the previous successful Save or SaveChanges: the same
	// *State, updated in place. For any other State, or a nil ch, it saves
	// st whole.
	//
	// A type that embeds a FileStore or MemoryStore and overrides Save
	// overrides SaveChanges too, or the tracker bypasses its Save.
	SaveChanges(st *State, ch *Changes) error
}

// MemoryStore keeps the state in memory, encoded as a FileStore would write
// it (a base and a log): for tests, and for restarting a tracker within one
// process. The zero value is an empty store, ready to use; it is safe for
// concurrent use.
type MemoryStore struct {
	mu   sync.Mutex
	data []byte // the base; nil when nothing is saved
	log  []byte // the log after it; nil when there is none
	last *State // the State of the last successful save (compared, never read)
}

// Load decodes the state last saved.
func (m *MemoryStore) Load() (*State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		return nil, ErrNotFound
	}
	st := new(State)
	if err := st.UnmarshalBinary(m.data); err != nil {
		return nil, err // the next Save replaces what fails
	}
	if m.log != nil {
		return st, applyLog(st, m.data, m.log)
	}
	return st, nil
}

// Save keeps st, encoded.
func (m *MemoryStore) Save(st *State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saveBase(st)
}

func (m *MemoryStore) saveBase(st *State) error {
	b, err := st.AppendBinary(nil)
	m.last = nil
	if err == nil {
		m.data, m.log, m.last = b, nil, st
	}
	return err
}

// SaveChanges keeps st, appending what changed to the log as a FileStore
// does (ChangeSaver).
func (m *MemoryStore) SaveChanges(st *State, ch *Changes) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ch == nil || m.last != st || m.data == nil {
		return m.saveBase(st)
	}
	if m.log == nil {
		m.log = logHeaderFor(len(m.data), m.data[len(m.data)-trailer:])
	}
	n := len(m.log)
	var err error
	if m.log, err = appendRecord(m.log, st, ch); err != nil {
		m.log, m.last = m.log[:n], nil
		return err
	}
	if len(m.log) > len(m.data)/logShare {
		return m.saveBase(st)
	}
	return nil
}
