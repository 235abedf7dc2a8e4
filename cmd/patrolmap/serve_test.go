package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestServeShutsDownGracefully starts `patrolmap serve`, begins a slow request, then asks the
// server to stop (as SIGTERM does): /readyz must turn 503 during the drain while the request in
// flight still completes, and the listener must close afterwards.
func TestServeShutsDownGracefully(t *testing.T) {
	url := storetest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--drain", "1500ms"}, nil, io.Discard, io.Discard)
	}()
	base := "http://" + addr
	waitFor(t, func() bool { return status(base+"/readyz") == 200 })

	// A request in flight when shutdown starts: a batch of fixes whose body is still arriving.
	s, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unit, err := s.CreateUnit(context.Background(), patrol.Unit{Code: "w1", Name: "W1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := s.CreateDevice(context.Background(), unit.ID, "phone-1", "")
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	inflight := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/v1/fixes", pr)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- -1
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		inflight <- res.StatusCode
	}()
	at := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	io.WriteString(pw, `{"fixes":[{"device":"phone-1","time":"`+at+`",`)
	time.Sleep(200 * time.Millisecond) // the request is now being served
	stop()
	// During the drain the process is up but not ready.
	waitFor(t, func() bool { return status(base+"/readyz") == 503 })
	if s := status(base + "/healthz"); s != 200 {
		t.Errorf("healthz during drain: %d", s)
	}
	io.WriteString(pw, `"lat":21.47,"lon":105.85}]}`)
	pw.Close()
	if st := <-inflight; st != 200 {
		t.Errorf("request in flight at shutdown: %d", st)
	}
	var n int
	s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM fix`).Scan(&n)
	if n != 1 {
		t.Errorf("the fix of the drained request was not stored (%d rows)", n)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
	if s := status(base + "/healthz"); s != -1 {
		t.Errorf("still answering after shutdown: %d", s)
	}
}

func status(u string) int {
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(u)
	if err != nil {
		return -1
	}
	res.Body.Close()
	return res.StatusCode
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
