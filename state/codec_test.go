package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/errbudget/errbudget/sli"
)

var snapT0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

var widths = []time.Duration{10 * time.Second, 5 * time.Minute, time.Hour}

// golden reads a state file written by an earlier build (testdata).
func golden(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sample is a state with every kind of content.
func sample() *State {
	return &State{
		Taken: snapT0, BucketWidths: widths, DroppedPast: 2, DroppedFuture: 1,
		Corrections: []Correction{
			{ID: "c1", Objective: "api", Start: snapT0, End: snapT0.Add(time.Minute), Reason: "past"},
			{ID: "c2", Start: snapT0.Add(-time.Hour), End: snapT0, Reason: "weekly", Recurrence: "FREQ=WEEKLY;BYDAY=SU,WE", TimeZone: "Europe/Berlin"},
		},
		Objectives: []Objective{
			{Name: "api", Target: 0.999, Window: "30d", Series: []Series{{
				Good: 100, Bad: 3, Excluded: 1, Policy: 1, EvaluatedAt: snapT0,
				Alerts: []Alert{{Rule: "page", Firing: true, Since: snapT0.Add(-time.Minute)}, {Rule: "ticket"}},
				Tiers:  [][]Bucket{{{N: -5, Good: 1}, {N: 7, Good: 40, Bad: 1}, {N: 8, Good: 2}, {N: 100, Bad: 2}}, {{N: 3, Good: 43, Bad: 3}}, nil},
			}}},
			{Name: "lat", Kind: sli.Latency, Target: 0.99, Threshold: 100 * time.Millisecond, Window: "7d", GroupBy: "model", Series: []Series{
				{Group: "a", Good: 5, Tiers: make([][]Bucket, 3), Latency: []LatencySlot{{N: 12, Max: 900, Counts: []HistogramCount{{Index: 3, Count: 2}, {Index: 40, Count: 3}}}}},
				{Group: "_OTHER", Tiers: make([][]Bucket, 3)},
			}},
		},
		Sections: []Section{{Name: "incidents", Data: []byte{1, 0, 0}}, {Name: "from-the-future", Data: []byte{0xff}}},
	}
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	b, err := want.AppendBinary([]byte("prefix"))
	if err != nil {
		t.Fatal(err)
	}
	var got State
	if err := got.UnmarshalBinary(b[len("prefix"):]); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", &got, want)
	}
}

// The golden files (written by earlier builds) decode, and encode again to
// the same bytes: the format did not move.
func TestGoldenFilesReencodeExactly(t *testing.T) {
	names, _ := filepath.Glob("testdata/*.bin")
	if len(names) < 2 {
		t.Fatalf("golden files: %v", names)
	}
	for _, name := range names {
		b := golden(t, filepath.Base(name))
		var st State
		if err := st.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b2, err := st.AppendBinary(nil)
		if err != nil || !bytes.Equal(b, b2) {
			t.Errorf("%s: re-encoded to %d bytes (%v), want the %d of the file", name, len(b2), err, len(b))
		}
	}
}

// resum returns a snapshot of the header and payload in b (no checksum),
// its length and checksum set to agree.
func resum(b []byte) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint64(b[12:], uint64(len(b)-header))
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func TestDecodeErrors(t *testing.T) {
	good := golden(t, "state-7daad9c.bin")
	withVersion := func(v uint32) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[8:], v)
		return b
	}
	badWidth, _ := (&State{BucketWidths: []time.Duration{0, 1, 2}}).AppendBinary(nil)
	badTiers, _ := sample().AppendBinary(nil)
	badTiers[header+1] = 9 // after taken (0): nine tiers
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short magic":    []byte("errb"),
		"other file":     []byte("{\"hello\": 1}\n"),
		"header only":    good[:header],
		"truncated":      good[:len(good)-1],
		"version 0":      withVersion(0),
		"flipped bit":    func() []byte { b := bytes.Clone(good); b[header+3] ^= 1; return b }(),
		"trailing bytes": resum(append(bytes.Clone(good[:len(good)-trailer]), 0)),
		"bad payload":    resum(append(bytes.Clone(good[:header]), 0xff, 0xff, 0xff)),
		"long length": func() []byte {
			b := resum(good[:len(good)-trailer])
			binary.BigEndian.PutUint64(b[12:], 1<<40)
			return b
		}(),
		"doubled payload": append(bytes.Clone(good), good...),
		"zero width":      badWidth,
		"nine tiers":      resum(badTiers[:len(badTiers)-trailer]),
	} {
		st := sample()
		if err := st.UnmarshalBinary(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
		if !reflect.DeepEqual(st, sample()) {
			t.Errorf("%s: a failed UnmarshalBinary changed the state", name)
		}
	}
}

// FuzzUnmarshalBinary: no input makes the decoder panic, and what it
// accepts re-encodes to an equal state. The seeds run in every plain test
// run.
func FuzzUnmarshalBinary(f *testing.F) {
	good := golden(f, "state-7daad9c.bin")
	f.Add(good)
	f.Add(golden(f, "state-before-sections.bin"))
	f.Add(good[:len(good)/2])
	f.Add(good[:header+trailer])
	f.Add([]byte{})
	f.Add([]byte(magic))
	// Valid checksums around damaged payloads, so the fuzzer starts past
	// the checksum.
	for _, cut := range []int{header + 1, header + 9, len(good) / 3, len(good) - trailer - 3} {
		f.Add(resum(good[:cut]))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= header+trailer && string(b[:8]) == magic {
			b = resum(b[:len(b)-trailer]) // let the fuzzer reach the payload
			binary.BigEndian.PutUint16(b[8:], major)
			binary.BigEndian.PutUint16(b[10:], minor)
			b = resum(b[:len(b)-trailer])
		}
		var st State
		if err := st.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		b2, err := st.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var st2 State
		if err := st2.UnmarshalBinary(b2); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if !reflect.DeepEqual(st, st2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", st, st2)
		}
	})
}
