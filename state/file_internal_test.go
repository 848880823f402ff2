package state

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestRegressionReadSnapshotReadsTheHeaderFirst: of a 1 GiB file whose
// header is not a snapshot's or disagrees with its size, readSnapshot reads
// the header and nothing more.
func TestRegressionReadSnapshotReadsTheHeaderFirst(t *testing.T) {
	const size = 1 << 30
	good, err := (&State{Taken: snapT0, BucketWidths: widths}).AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		head []byte
	}{
		{"foreign", []byte("#!/bin/sh\necho this is not ours\n")},
		{"our header, another length", good[:header]},
	} {
		r := &countingReader{r: io.MultiReader(bytes.NewReader(c.head), zeros{})}
		b, err := readSnapshot(r, size)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: readSnapshot = %d bytes, %v; want ErrCorrupt", c.name, len(b), err)
		}
		if r.n > header {
			t.Errorf("%s: read %d bytes of a %d-byte file, want at most the %d of the header", c.name, r.n, size, header)
		}
	}
	// A snapshot reads whole, exactly.
	r := &countingReader{r: io.MultiReader(bytes.NewReader(good), zeros{})}
	b, err := readSnapshot(r, int64(len(good)))
	if err != nil || !bytes.Equal(b, good) || r.n != int64(len(good)) {
		t.Errorf("readSnapshot of a snapshot = %d bytes (read %d), %v; want the %d bytes", len(b), r.n, err, len(good))
	}
	if err := new(State).UnmarshalBinary(b); err != nil {
		t.Error(err)
	}
	// Shorter than a header: read whole, and UnmarshalBinary says what it is.
	for _, short := range [][]byte{{}, good[:10], []byte("short")} {
		b, err := readSnapshot(bytes.NewReader(short), int64(len(short)))
		if err != nil || !bytes.Equal(b, short) {
			t.Errorf("readSnapshot(%q) = %q, %v", short, b, err)
		}
	}
}
