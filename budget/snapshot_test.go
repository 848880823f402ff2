package budget

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

var snapT0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// encodeState re-encodes a decoded snapshot, for round trips.
func encodeState(st *stateData) []byte {
	var e encoder
	e.begin(fromUnixNano(st.taken), st.droppedPast, st.droppedFuture, st.corrections, len(st.objectives))
	for i := range st.objectives {
		o := &st.objectives[i]
		obj := sli.Objective{Name: o.name, Kind: o.kind, Target: o.target, Threshold: o.threshold, GroupBy: o.groupBy}
		e.str(obj.Name)
		e.uvarint(uint64(obj.Kind))
		e.buf = binary.BigEndian.AppendUint64(e.buf, math.Float64bits(obj.Target))
		e.varint(int64(obj.Threshold))
		e.str(o.window)
		e.str(obj.GroupBy)
		e.uvarint(uint64(len(o.series)))
		for j := range o.series {
			e.series(&o.series[j])
		}
	}
	e.sections(st.sections)
	return bytes.Clone(e.finish())
}

// sampleSnapshot returns the snapshot of a small tracker with every kind of
// content: groups, latency, alerts, corrections, drops.
func sampleSnapshot(t testing.TB) []byte {
	now := snapT0
	clock := func() time.Time { return now }
	store := &MemoryStore{}
	tr, err := New([]sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "lat", Kind: sli.Latency, Threshold: 100 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 2},
	}, WithClock(clock), WithStore(store, 0), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := tr.Series("api", "")
	for i := range 400 {
		now = snapT0.Add(time.Duration(i) * 17 * time.Second)
		api.Record(sli.Event{Time: now, Outcome: sli.Outcome(1 + i%9/8)})
		for _, g := range []string{"a", "b", "c"} {
			s, _ := tr.Series("lat", g)
			s.Record(sli.Event{Time: now, Outcome: sli.Good, Duration: time.Duration(i%50) * 5 * time.Millisecond})
		}
	}
	api.Record(sli.Event{Time: now.Add(time.Hour), Outcome: sli.Good}) // dropped
	tr.AddCorrection(Correction{Objective: "api", Start: snapT0, End: snapT0.Add(time.Minute), Reason: "past"})
	tr.AddCorrection(Correction{Start: snapT0.Add(-time.Hour), End: snapT0, Reason: "weekly", Recurrence: "FREQ=WEEKLY;BYDAY=SU,WE", TimeZone: "Europe/Berlin"})
	tr.Status()
	if err := tr.Snapshot(); err != nil {
		t.Fatal(err)
	}
	return store.Bytes()
}

func TestSnapshotRoundTrip(t *testing.T) {
	b := sampleSnapshot(t)
	st, err := decodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.objectives) != 2 || len(st.objectives[1].series) != 3 || len(st.corrections) != 2 {
		t.Fatalf("decoded %d objectives, %d lat series, %d corrections", len(st.objectives), len(st.objectives[1].series), len(st.corrections))
	}
	if st.droppedFuture != 1 {
		t.Errorf("dropped future %d, want 1", st.droppedFuture)
	}
	if len(st.objectives[1].series[0].latency) == 0 || len(st.objectives[0].series[0].alerts) != 4 {
		t.Error("latency slots or alert states missing")
	}
	if b2 := encodeState(st); !bytes.Equal(b, b2) {
		t.Errorf("re-encoding differs: %d bytes, want %d", len(b2), len(b))
	}
}

func TestDecodeErrors(t *testing.T) {
	good := sampleSnapshot(t)
	withVersion := func(v uint32) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[8:], v)
		return b
	}
	// A payload that checks out but says nonsense: the checksum is
	// recomputed after the damage.
	resum := func(b []byte) []byte {
		n := len(b) - snapTrail
		binary.BigEndian.PutUint32(b[n:], crc32.Checksum(b[:n], crcTable))
		return b
	}
	trailing := resum(append(append(bytes.Clone(good[:len(good)-snapTrail]), 0), 0, 0, 0, 0))
	binary.BigEndian.PutUint64(trailing[12:], uint64(len(trailing)-snapHeader-snapTrail))
	trailing = resum(trailing)
	for name, b := range map[string][]byte{
		"empty":           nil,
		"short magic":     []byte("errb"),
		"other file":      []byte("{\"hello\": 1}\n"),
		"header only":     good[:snapHeader],
		"truncated":       good[:len(good)-1],
		"version 0":       withVersion(0),
		"future version":  withVersion(SnapshotVersion + 1),
		"flipped bit":     func() []byte { b := bytes.Clone(good); b[snapHeader+3] ^= 1; return b }(),
		"trailing bytes":  trailing,
		"bad payload":     resum(append(append(bytes.Clone(good[:snapHeader]), 0xff, 0xff, 0xff), 0, 0, 0, 0)),
		"long length":     resum(func() []byte { b := bytes.Clone(good); binary.BigEndian.PutUint64(b[12:], 1<<40); return b }()),
		"doubled payload": append(bytes.Clone(good), good...),
	} {
		if _, err := decodeState(b); !errors.Is(err, ErrCorruptState) {
			t.Errorf("%s: err = %v, want ErrCorruptState", name, err)
		}
	}
}

// FuzzDecodeState: no input makes the decoder (or restoring what it
// accepts) panic, and what it accepts re-encodes to an equal state. The
// seeds run in every plain test run.
func FuzzDecodeState(f *testing.F) {
	good := sampleSnapshot(f)
	f.Add(good)
	empty := &MemoryStore{}
	tr, _ := New([]sli.Objective{{Name: "a", Target: 0.9}}, WithStore(empty, 0), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	tr.Snapshot()
	f.Add(empty.Bytes())
	f.Add(good[:len(good)/2])
	f.Add(good[:snapHeader+snapTrail])
	f.Add([]byte{})
	f.Add([]byte(snapMagic))
	// Valid checksums around damaged payloads, so the fuzzer starts past
	// the checksum.
	for _, cut := range []int{snapHeader + 1, snapHeader + 9, len(good) / 3, len(good) - snapTrail - 3} {
		b := bytes.Clone(good[:cut])
		binary.BigEndian.PutUint64(b[12:], uint64(len(b)-snapHeader))
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
		f.Add(b)
	}
	objs := []sli.Objective{
		{Name: "api", Target: 0.999},
		{Name: "lat", Kind: sli.Latency, Threshold: 100 * time.Millisecond, Target: 0.99, GroupBy: "model", MaxGroups: 2},
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= snapHeader+snapTrail && string(b[:8]) == snapMagic {
			// Let the fuzzer reach the payload: fix the length and checksum.
			b = bytes.Clone(b[:len(b)-snapTrail])
			binary.BigEndian.PutUint64(b[12:], uint64(len(b)-snapHeader))
			binary.BigEndian.PutUint32(b[8:], SnapshotVersion)
			b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
		}
		st, err := decodeState(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptState) {
				t.Fatalf("error %v does not wrap ErrCorruptState", err)
			}
			return
		}
		st2, err := decodeState(encodeState(st))
		if err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if !reflect.DeepEqual(normalise(st), normalise(st2)) {
			t.Fatalf("round trip differs:\n%+v\n%+v", st, st2)
		}
		tr, err := New(objs, WithClock(func() time.Time { return snapT0 }), WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		tr.applyState(st, snapT0, discard)
		tr.StatusAt(snapT0)
	})
}

// normalise makes nil and empty slices compare equal.
func normalise(st *stateData) *stateData {
	c := *st
	if len(c.corrections) == 0 {
		c.corrections = nil
	}
	for i := range c.corrections {
		c.corrections[i].Start = c.corrections[i].Start.UTC()
		c.corrections[i].End = c.corrections[i].End.UTC()
	}
	return &c
}

// TestSnapshotOfEmptySeries: a series that never counted anything is the
// smallest thing a snapshot holds; it must decode at the end of the file.
func TestSnapshotOfEmptySeries(t *testing.T) {
	store := &MemoryStore{}
	tr, err := New([]sli.Objective{{Name: "a", Target: 0.9}}, WithStore(store, 0), WithAlertRules(nil), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeState(store.Bytes()); err != nil {
		t.Fatal(err)
	}
}
