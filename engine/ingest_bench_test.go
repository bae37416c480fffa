package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// BenchmarkHookIngest is the webhook → EnqueueEvents → group commit path in
// this process, over the engine's own listener (timeouts, connection cap)
// on loopback, each 202 after the fsync: the same path as
// BenchmarkWebhookIngest's real binary, but here `go test -cpuprofile`
// sees it. The engine runs against a slow, tightly limited org, so that it
// does little besides accepting. Reported: events/s, events/commit (how
// many requests shared each commit of the group-commit writer), and the
// disk's own fsync rate measured in the same folder just before.
//
//	go test ./engine -run X -bench HookIngest -benchtime 3s -cpuprofile cpu.out
//	go tool pprof -top engine.test cpu.out
func BenchmarkHookIngest(b *testing.B) {
	for _, senders := range []int{1, 16} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			dir := b.TempDir()
			fsyncs := diskFsyncRate(b, dir, 300*time.Millisecond)
			st, err := storage.Open(filepath.Join(dir, "oktaflow.db"), storage.Options{Getenv: func(string) string { return "" }})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			sim := oktatest.NewServer(oktatest.Options{Latency: 100 * time.Millisecond, RateLimit: 10, RateWindow: 60 * time.Second})
			defer sim.Close()
			e, err := New(Options{Store: st})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := e.AddAccount(ctx, AccountInput{Name: "sandbox", Domain: sim.URL, Token: storage.Secret(sim.Token), AllowHTTP: true}); err != nil {
				b.Fatal(err)
			}
			in, err := e.Import(ctx, []byte(onboarding))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.SetEnabled(ctx, in.ID, true, time.Time{}); err != nil {
				b.Fatal(err)
			}
			if err := e.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer func() { // runs wait on the org's limit: do not wait for them
				stop, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				e.Stop(stop)
			}()
			if err := e.ListenWith("127.0.0.1:0", ListenOptions{}); err != nil {
				b.Fatal(err)
			}
			addr, _ := e.ListenStatus()
			before, cpu0 := st.WriteStats(), selfCPU()
			b.ResetTimer()
			rate := ingest(b, addr, "http://"+addr+"/hooks/"+in.ID, senders)
			b.StopTimer()
			after, cpu := st.WriteStats(), selfCPU()-cpu0
			commits := float64(max(after.Commits-before.Commits, 1))
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(float64(after.Requests-before.Requests)/commits, "writes/commit")
			b.ReportMetric(float64(after.Commits-before.Commits)/float64(b.N), "commits/event")
			b.ReportMetric(float64(after.Pages-before.Pages)/commits, "pages/commit")
			// Where a commit's time goes (the writer is serial, so this
			// bounds the commit rate): its requests inside the transaction,
			// then bbolt's page writes and two fsyncs.
			b.ReportMetric(float64((after.Busy-before.Busy).Microseconds())/commits, "µs/commit")
			b.ReportMetric(float64((after.InTx-before.InTx).Microseconds())/commits, "tx-µs/commit")
			b.ReportMetric(float64((after.Sync-before.Sync).Microseconds())/commits, "sync-µs/commit")
			// CPU of this process (listener, engine, store and the senders)
			// per event: unlike events/s it hardly moves with the disk and
			// the machine's load.
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/event")
			b.ReportMetric(fsyncs, "disk-fsyncs/s")
		})
	}
}

// diskFsyncRate is the disk's own rate of 4 KiB writes each followed by an
// fsync, in dir, over about d.
func diskFsyncRate(b *testing.B, dir string, d time.Duration) float64 {
	f, err := os.Create(filepath.Join(dir, "fsync-probe"))
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	page := make([]byte, 4096)
	n, start := 0, time.Now()
	for time.Since(start) < d {
		f.WriteAt(page, 0)
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

// ingest sends b.N webhook events to hook (on addr) from exactly senders
// connections at once, each one request at a time, and returns events/s.
// Every answer must be 202.
func ingest(b *testing.B, addr, hook string, senders int) float64 {
	u, err := url.Parse(hook)
	if err != nil {
		b.Fatal(err)
	}
	conns := make([]*ingestSender, senders)
	for i := range conns {
		if conns[i], err = dialIngest(addr, u.Path); err != nil {
			b.Fatal(err)
		}
		defer conns[i].c.Close()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range conns {
		wg.Go(func() {
			var body []byte
			for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
				body = hireJSON(body[:0], n)
				status, err := c.post(body)
				if err != nil || status != http.StatusAccepted {
					b.Errorf("POST: %d %v", status, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(b.N) / time.Since(start).Seconds()
}

// ingestSender is one keep-alive HTTP/1.1 connection that posts webhook
// bodies: the request head is built once, the answer read with
// http.ReadResponse. Much lighter than an http.Client (no per-connection
// goroutines, no request objects), so the benchmark's own CPU stays small.
type ingestSender struct {
	c    net.Conn
	r    *bufio.Reader
	head []byte // up to "Content-Length: "
	buf  []byte
}

func dialIngest(addr, path string) (*ingestSender, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	head := fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: ", path, addr, hookSecret)
	return &ingestSender{c: c, r: bufio.NewReader(c), head: head}, nil
}

func (s *ingestSender) post(body []byte) (int, error) {
	s.buf = append(append(strconv.AppendInt(append(s.buf[:0], s.head...), int64(len(body)), 10), "\r\n\r\n"...), body...)
	if _, err := s.c.Write(s.buf); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(s.r, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// hireJSON appends the body of new hire n (as hire(n), without a map and
// json.Marshal on the sender's side).
func hireJSON(dst []byte, n int64) []byte {
	dst = append(dst, `{"email":"bench`...)
	dst = strconv.AppendInt(dst, n, 10)
	dst = append(dst, `@acme.com","first_name":"Bench","last_name":"U`...)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, `"}`...)
}
