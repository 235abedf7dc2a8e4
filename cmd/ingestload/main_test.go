package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// batchFiles writes n batch files of one fix each and returns their paths.
func batchFiles(t *testing.T, n int) []string {
	dir := t.TempDir()
	var files []string
	for i := range n {
		f := filepath.Join(dir, fmt.Sprintf("%03d.json", i))
		if err := os.WriteFile(f, []byte(fmt.Sprintf(`{"fixes":[{"device":"d","time":%d,"lat":21,"lon":105}]}`, 1700000000+i)), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// TestLoadSendsEveryBatch: every file is POSTed once with the token, never more at once than
// -streams, and the accepted counts of the answers are summed.
func TestLoadSendsEveryBatch(t *testing.T) {
	var inFlight, most, seen atomic.Int64
	bodies := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "headers", http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		bodies <- string(b)
		seen.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"accepted":2,"duplicates":0,"off_duty":0,"rejected":[]}`)
	}))
	defer srv.Close()
	files := batchFiles(t, 40)
	var out bytes.Buffer
	if err := run(srv.URL, "tok", 3, files, &out); err != nil {
		t.Fatal(err)
	}
	var secs float64
	var batches, accepted int
	if _, err := fmt.Sscanf(out.String(), "%f %d %d", &secs, &batches, &accepted); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if batches != 40 || accepted != 80 || secs <= 0 {
		t.Errorf("output %q, want 40 batches and 80 accepted", out.String())
	}
	if seen.Load() != 40 {
		t.Errorf("server saw %d batches, want 40", seen.Load())
	}
	if most.Load() > 3 {
		t.Errorf("%d batches in flight at once, want at most 3", most.Load())
	}
	close(bodies)
	distinct := map[string]bool{}
	for b := range bodies {
		distinct[b] = true
	}
	if len(distinct) != 40 {
		t.Errorf("%d distinct bodies sent, want 40", len(distinct))
	}
}

// TestLoadStopsAtRefusal: an answer other than 2xx fails the load and names the batch and status.
func TestLoadStopsAtRefusal(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 5 {
			http.Error(w, "database down", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"accepted":1}`)
	}))
	defer srv.Close()
	var out bytes.Buffer
	err := run(srv.URL, "", 1, batchFiles(t, 20), &out)
	if err == nil || !strings.Contains(err.Error(), "batch 5") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("error %v, want one naming batch 5 and 503", err)
	}
	if n.Load() != 5 || out.Len() != 0 {
		t.Errorf("%d batches sent after the refusal, output %q", n.Load(), out.String())
	}
}

// TestRunRefusesNothingToDo: no files or no stream is an error, not an empty load.
func TestRunRefusesNothingToDo(t *testing.T) {
	if err := run("http://127.0.0.1:1/", "", 1, nil, io.Discard); err == nil {
		t.Error("no files: no error")
	}
	if err := run("http://127.0.0.1:1/", "", 0, batchFiles(t, 1), io.Discard); err == nil {
		t.Error("0 streams: no error")
	}
}
