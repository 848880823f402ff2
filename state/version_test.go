package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fromTheFuture returns st encoded as a later release (minor version 9)
// might write it: with a section this build does not know, and bytes after
// the sections.
func fromTheFuture(t testing.TB, st *State) []byte {
	t.Helper()
	st.Sections = append(st.Sections, Section{Name: "slices-v9", Data: []byte{9, 9, 9}})
	b, err := st.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint16(b[10:], 9)
	return resum(append(b[:len(b)-trailer], "what minor 9 appends"...))
}

// futureGolden is a state file as a later release writes it: the 7daad9c
// golden's state, written by fromTheFuture (ERRBUDGET_WRITE_GOLDEN=1
// writes it again).
const futureGolden = "from-the-future/state-7daad9c-minor-9.bin"

// TestNewerMinorVersionReads: a file written by a later release of the
// same major version reads, without what that release added; the sections
// it does not know are kept as they are (the tracker skips them). Before,
// a reader refused every other version, and a rollback reset the budget.
func TestNewerMinorVersionReads(t *testing.T) {
	want := sample()
	b := fromTheFuture(t, sample())
	var got State
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	want.Sections = append(want.Sections, Section{Name: "slices-v9", Data: []byte{9, 9, 9}})
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("read:\n got %+v\nwant %+v", &got, want)
	}

	// Through a FileStore: it loads, and nothing is set aside.
	path := filepath.Join(t.TempDir(), "errbudget.state")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := NewFileStore(path).Load()
	if err != nil || !reflect.DeepEqual(st, want) {
		t.Fatalf("Load: %v, %+v", err, st)
	}
	if aside, _ := filepath.Glob(path + ".bad-*"); len(aside) != 0 {
		t.Errorf("set aside: %v", aside)
	}
}

// TestGoldenFromTheFutureReads: the golden file of a later release reads
// as the state it was made from, plus the section that release added.
func TestGoldenFromTheFutureReads(t *testing.T) {
	var st State
	if err := st.UnmarshalBinary(golden(t, "state-7daad9c.bin")); err != nil {
		t.Fatal(err)
	}
	b := fromTheFuture(t, &st)
	if os.Getenv("ERRBUDGET_WRITE_GOLDEN") == "1" {
		if err := os.WriteFile(filepath.Join("testdata", futureGolden), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(golden(t, futureGolden), b) {
		t.Fatalf("testdata/%s is not the 7daad9c golden written by fromTheFuture", futureGolden)
	}
	var got State
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, &st) {
		t.Error("the file from the future reads differently from the state it was written from")
	}
}

// TestNewerMajorVersionLeftInPlace: a file of a newer major version (one
// this build would misread) is refused, but not as corrupt: a FileStore
// leaves it where it is, for the release that wrote it.
func TestNewerMajorVersionLeftInPlace(t *testing.T) {
	b, err := sample().AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint16(b[8:], major+1)
	b = resum(b[:len(b)-trailer])
	st := sample()
	if err := st.UnmarshalBinary(b); err == nil || errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want an error that does not wrap ErrCorrupt", err)
	}
	if !reflect.DeepEqual(st, sample()) {
		t.Error("a failed UnmarshalBinary changed the state")
	}
	path := filepath.Join(t.TempDir(), "errbudget.state")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileStore(path).Load(); err == nil || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotFound) {
		t.Errorf("Load: err = %v, want one that leaves the file in place", err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, b) {
		t.Errorf("the file did not stay in place: %v", err)
	}
}
