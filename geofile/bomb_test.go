package geofile_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/geofile"
)

// allocatedDuring returns the bytes the Go heap allocated while fn ran.
func allocatedDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// spaces is n bytes of ' ', which deflate squeezes about a thousandfold.
func deflated(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// kmzOf is a KMZ whose doc.kml is the raw deflate data, with the header declaring size
// uncompressed bytes.
func kmzOf(t *testing.T, raw []byte, size uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "doc.kml", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(nil),
		CompressedSize64: uint64(len(raw)), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestArchiveBombsCostNothing: issue 18 saw a 1 MB KMZ that unpacks towards 1 GiB take the
// process to 640 MB before the cap stopped it. A member whose header declares more than the
// cap is refused before it is inflated; one whose header lies is inflated only to the size it
// declares (plus a byte); both allocate next to nothing.
func TestArchiveBombsCostNothing(t *testing.T) {
	big := geofile.MaxUnzipped + 1<<20
	raw := deflated(t, big)
	t.Logf("%d MiB of deflated spaces: %d kB", big>>20, len(raw)>>10)
	for _, tc := range []struct {
		name     string
		declared uint64
		want     string
	}{
		{"declares its size", uint64(big), "unpacks to more than"},
		{"declares 1 kB", 1000, "inflates to more than the 1000 bytes"},
		{"declares nothing", 0, "inflates to more than the 0 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kmz := kmzOf(t, raw, tc.declared)
			var err error
			alloc := allocatedDuring(func() { _, err = geofile.Read("bomb.kmz", kmz) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			t.Logf("%v; allocated %d kB", err, alloc>>10)
			if alloc > 8<<20 {
				t.Fatalf("reading the bomb allocated %d MiB", alloc>>20)
			}
		})
	}
	// Several members, each under the cap, together over it: refused before the last inflates.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	part := deflated(t, 50<<20)
	for _, name := range []string{"a.shp", "a.dbf", "a.shx"} {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(bytes.Repeat([]byte{' '}, 50<<20)),
			CompressedSize64: uint64(len(part)), UncompressedSize64: 50 << 20})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(part)
	}
	zw.Close()
	var err error
	alloc := allocatedDuring(func() { _, err = geofile.Read("three.zip", buf.Bytes()) })
	if err == nil || !strings.Contains(err.Error(), "unpacks to more than") {
		t.Fatalf("three 50 MiB members: %v", err)
	}
	if alloc > 110<<20 {
		t.Fatalf("allocated %d MiB for three 50 MiB members under a %d MiB cap", alloc>>20, geofile.MaxUnzipped>>20)
	}
}
