// Command ingestload POSTs batch files of fixes to patrolmap's /api/v1/fixes over keep-alive
// connections, a given number of batches in flight at once, and reports how long the whole load
// took and how many fixes the service accepted. It is the load generator of scripts/bench-ingest
// and works against any deployment:
//
//	ingestload -url http://127.0.0.1:8080/api/v1/fixes -token TOKEN -streams 2 batches/*.json
//
// The files are read before the clock starts, so the time is the service's and the network's,
// not the disk's or the client's start-up. It prints one line, "SECONDS BATCHES ACCEPTED", and
// exits with status 1 when any batch is answered with anything but 2xx.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/api/v1/fixes", "the fixes endpoint")
	token := flag.String("token", os.Getenv("PATROLMAP_TOKEN"), "API token (default $PATROLMAP_TOKEN)")
	streams := flag.Int("streams", 1, "batches in flight at once, each on its own connection")
	flag.Parse()
	if err := run(*url, *token, *streams, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ingestload:", err)
		os.Exit(1)
	}
}

// result is what one load did.
type result struct {
	elapsed  time.Duration
	batches  int
	accepted int
}

// run reads the batch files, sends them and prints the result line to out.
func run(url, token string, streams int, files []string, out io.Writer) error {
	if len(files) == 0 {
		return errors.New("no batch files given")
	}
	if streams < 1 {
		return fmt.Errorf("-streams %d: want at least 1", streams)
	}
	bodies := make([][]byte, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		bodies[i] = b
	}
	r, err := load(url, token, streams, bodies)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%.6f %d %d\n", r.elapsed.Seconds(), r.batches, r.accepted)
	return err
}

// load POSTs the bodies in order, streams at a time, and stops at the first failure.
func load(url, token string, streams int, bodies [][]byte) (result, error) {
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: streams,
		MaxConnsPerHost:     streams,
		DisableCompression:  true,
	}}
	defer client.CloseIdleConnections()
	var (
		next     atomic.Int64
		accepted atomic.Int64
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) {
					return
				}
				n, err := post(client, url, token, bodies[i])
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("batch %d: %w", i+1, err) })
					failed.Store(true)
					return
				}
				accepted.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return result{}, firstErr
	}
	return result{elapsed: elapsed, batches: len(bodies), accepted: int(accepted.Load())}, nil
}

// post sends one batch and returns how many of its fixes were accepted.
func post(client *http.Client, url, token string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode/100 != 2 {
		return 0, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(answer))
	}
	var reply struct {
		Accepted int `json:"accepted"`
	}
	if err := json.Unmarshal(answer, &reply); err != nil {
		return 0, fmt.Errorf("answer %q: %w", answer, err)
	}
	return reply.Accepted, nil
}
