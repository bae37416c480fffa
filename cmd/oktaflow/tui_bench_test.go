package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/oktaflow/oktaflow/storage"
)

// The app's benchmarks run the real binary in a pseudo-terminal, as a
// person would: its renderer writes real frames, the engine and the webhook
// listener start after the first frame, and the database holds 100
// integrations and 100,000 runs.

// tuiBenchDB builds that database once per test binary.
var tuiBenchDB = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "oktaflow-tui-bench")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "oktaflow.db")
	st, err := storage.Open(path, storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		return "", err
	}
	defer st.Close()
	if _, err := st.AddAccount(storage.Account{Name: "acme", OrgURL: "https://acme.okta.com", Token: "bench-token-0123456789abcdef"}); err != nil {
		return "", err
	}
	payload := json.RawMessage(`{"first_name":"Ada","last_name":"Lovelace","email":"ada@acme.com"}`)
	for i := range 100 {
		in, err := st.CreateIntegration(storage.Integration{
			Name: fmt.Sprintf("Integration %03d", i), Trigger: storage.Trigger{Type: "manual"},
			Steps: []storage.Step{{ID: "create", Action: "okta.add_user", Account: "acme", Fields: map[string]string{"login": "{{ trigger.email }}"}}},
		})
		if err != nil {
			return "", err
		}
		// 1,000 runs each, queued while ON, then cancelled by switching OFF
		// (two transactions per integration): the list, the counts and the
		// runs screen read them, and the started engine has nothing to do.
		if _, err := st.SetEnabled(in.ID, true, time.Time{}); err != nil {
			return "", err
		}
		events := make([]storage.NewEvent, 1000)
		for j := range events {
			events[j] = storage.NewEvent{Payload: payload, DedupeKey: strconv.Itoa(i*1000 + j)}
		}
		if _, err := st.EnqueueEvents(in.ID, events, storage.EnqueueOptions{}); err != nil {
			return "", err
		}
		if _, err := st.SetEnabled(in.ID, false, time.Time{}); err != nil {
			return "", err
		}
	}
	return path, nil
})

// appProc is the binary running in a pty.
type appProc struct {
	addr string // the webhook listener's
	cmd  *exec.Cmd
	pty  *os.File
	out  chan []byte // what it writes, chunk by chunk
	seen bytes.Buffer
}

// startApp runs the binary on db at 120×40 and starts reading its output.
func startAppProc(b *testing.B, bin, db string) *appProc {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the listener
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--db", db, "--http-addr", addr)
	cmd.Env = append(os.Environ(), "OKTAFLOW_SECRET_KEY=", "TERM=xterm-256color", "COLORTERM=truecolor")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		b.Fatal(err)
	}
	p := &appProc{addr: addr, cmd: cmd, pty: f, out: make(chan []byte, 1024)}
	b.Cleanup(func() { // a failed benchmark must not leave the database locked
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	go func() {
		r := bufio.NewReaderSize(f, 64<<10)
		for {
			buf := make([]byte, 32<<10)
			n, err := r.Read(buf)
			if n > 0 {
				p.out <- buf[:n]
			}
			if err != nil {
				close(p.out)
				return
			}
		}
	}()
	return p
}

// waitFor reads output until it has shown text (escape sequences split
// nothing the app writes as one styled run), or fails after a minute.
func (p *appProc) waitFor(b *testing.B, text string) {
	b.Helper()
	deadline := time.After(time.Minute)
	for !bytes.Contains(p.seen.Bytes(), []byte(text)) {
		select {
		case chunk, ok := <-p.out:
			if !ok {
				b.Fatalf("the app ended before showing %q; it wrote:\n%q", text, tail(p.seen.Bytes()))
			}
			p.seen.Write(chunk)
		case <-deadline:
			b.Fatalf("the app never showed %q; it wrote:\n%q", text, tail(p.seen.Bytes()))
		}
	}
	p.seen.Reset()
}

// waitListening waits until the webhook listener answers: the engine has
// started (it starts after the first frame).
func (p *appProc) waitListening(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the listener never answered on %s: %v", p.addr, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// nextFrame waits for the next output after a key.
func (p *appProc) nextFrame(b *testing.B) {
	b.Helper()
	select {
	case chunk, ok := <-p.out:
		if !ok {
			b.Fatal("the app ended")
		}
		p.seen.Write(chunk)
	case <-time.After(10 * time.Second):
		b.Fatal("no frame within 10 s of a key")
	}
}

// drain drops what arrives until the output rests for d.
func (p *appProc) drain(d time.Duration) {
	for {
		select {
		case _, ok := <-p.out:
			if !ok {
				return
			}
		case <-time.After(d):
			return
		}
	}
}

// quit ends the app (ctrl+c) and waits for it.
func (p *appProc) quit(b *testing.B) {
	b.Helper()
	p.pty.Write([]byte{0x03})
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			b.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		b.Fatal("the app did not quit within 30 s of ctrl+c")
	}
	p.pty.Close()
}

func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}

// rssMB is a process's resident memory.
func rssMB(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkAppColdStart: exec of the real binary to its first frame of the
// integrations list, then to the engine and listener running (the
// listener answers); resident memory at the first frame.
func BenchmarkAppColdStart(b *testing.B) {
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	db, err := tuiBenchDB()
	if err != nil {
		b.Fatal(err)
	}
	var first, ready time.Duration
	var rss float64
	for b.Loop() {
		start := time.Now()
		p := startAppProc(b, bin, db)
		p.waitFor(b, "Integration 000")
		first += time.Since(start)
		rss = max(rss, rssMB(p.cmd.Process.Pid))
		p.waitListening(b)
		ready += time.Since(start)
		p.quit(b)
	}
	b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "ms/first-frame")
	b.ReportMetric(float64(ready.Microseconds())/1000/float64(b.N), "ms/engine-ready")
	b.ReportMetric(rss, "MB-rss")
}

// BenchmarkAppKeyToFrame: a key (↓ on the integrations list, then on the
// runs screen of 100,000 runs) written to the terminal, to the first bytes
// of the frame that answers it, through the real program and renderer.
func BenchmarkAppKeyToFrame(b *testing.B) {
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	db, err := tuiBenchDB()
	if err != nil {
		b.Fatal(err)
	}
	for _, screen := range []struct {
		name, open, shown string
	}{{"home", "", "Integration 000"}, {"runs", "R", "INTEGRATION"}} {
		b.Run(screen.name, func(b *testing.B) {
			p := startAppProc(b, bin, db)
			p.waitFor(b, "Integration 000")
			p.waitListening(b)
			if screen.open != "" {
				p.pty.Write([]byte(screen.open))
				p.waitFor(b, screen.shown)
			}
			p.drain(300 * time.Millisecond)
			var lat []time.Duration
			keys := [][]byte{[]byte("\x1b[B"), []byte("\x1b[A")} // down, up: the cursor moves every time
			i := 0
			for b.Loop() {
				start := time.Now()
				p.pty.Write(keys[i%2])
				p.nextFrame(b)
				lat = append(lat, time.Since(start))
				p.drain(20 * time.Millisecond) // the rest of that frame
				i++
			}
			p.quit(b)
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
		})
	}
}
