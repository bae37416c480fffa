package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/charmbracelet/x/ansi"
	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// The benchmarks of issue 12 for serve: the real binary, its engine and
// listener running, reached over SSH. OKTAFLOW_BENCH_WINDOW (a duration,
// default 3s) is how long CPU is measured; longer windows give finer
// figures (/proc counts CPU in 10 ms ticks).

func benchWindow() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("OKTAFLOW_BENCH_WINDOW")); err == nil && d > 0 {
		return d
	}
	return 3 * time.Second
}

// procStatus reads a field of /proc/PID/status in kB ("VmRSS", "VmHWM").
func procStatus(pid int, field string) (float64, error) {
	return procField(fmt.Sprintf("/proc/%d/status", pid), field)
}

// procField reads a number from a /proc status file.
func procField(path, field string) (float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				return strconv.ParseFloat(f[0], 64)
			}
		}
	}
	return 0, fmt.Errorf("no %s in %s", field, path)
}

// procCPU is the CPU time the process has used (user + system).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// the command name (field 2) may hold spaces: fields count from its ')'
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clkTck, nil
}

// procSwitches counts the context switches of all the process's threads:
// each is a wakeup (or a preemption), so an idle program with a timer that
// never stops shows it here even on a busy machine, where CPU figures are
// noisy.
func procSwitches(pid int) (int64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, t := range tasks {
		for _, field := range []string{"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"} {
			v, err := procField(t, field)
			if err == nil {
				n += int64(v)
			}
		}
	}
	return n, nil
}

// idleCost measures, over w, the share of one core the process uses and
// its wakeups per second.
func idleCost(b *testing.B, pid int, w time.Duration) (cpuPercent, wakeupsPerSec float64) {
	b.Helper()
	c0, err := procCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	s0, _ := procSwitches(pid)
	t0 := time.Now()
	time.Sleep(w)
	c1, err := procCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	s1, _ := procSwitches(pid)
	d := time.Since(t0)
	return float64(c1-c0) / float64(d) * 100, float64(s1-s0) / d.Seconds()
}

// benchServe is a serve child over a database with n webhook integrations
// ON, and an admin key for its SSH console.
type benchServe struct {
	cmd    *exec.Cmd
	ssh    string
	signer gossh.Signer
}

func startBenchServe(b *testing.B, n int) *benchServe {
	b.Helper()
	bin, err := buildBinary()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	db := filepath.Join(dir, "of.db")
	b.Setenv("OKTAFLOW_SECRET_KEY", "")
	b.Setenv("OKTAFLOW_DB", db)
	if _, errOut, code := cli(b, context.Background(), "", "account", "add-sandbox", "sandbox"); code != 0 {
		b.Fatalf("add-sandbox: %s", errOut)
	}
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e, err := engine.New(engine.Options{Store: st, NoTriggers: true})
	if err != nil {
		b.Fatal(err)
	}
	s := e.Session("bench", engine.RoleAdmin)
	for i := range n {
		doc := strings.Replace(onboardDoc, `"Onboard new hires"`, fmt.Sprintf(`"Onboard %d"`, i), 1)
		res, err := s.Import(context.Background(), []byte(doc))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.SetEnabled(context.Background(), res.Integration.ID, true, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	st.Close()

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	keys := filepath.Join(dir, "admin_keys")
	os.WriteFile(keys, gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600)
	httpAddr, sshAddr := freeAddr(b), freeAddr(b)
	cmd := exec.Command(bin, "serve", "--db", db, "--http-addr", httpAddr, "--ssh-addr", sshAddr, "--admin-keys", keys)
	cmd.Env = append(os.Environ(), "OKTAFLOW_SECRET_KEY=")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("tcp", sshAddr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("serve did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &benchServe{cmd: cmd, ssh: sshAddr, signer: signer}
}

// seen is a session's output, watched for a text.
type seen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *seen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len() < 1<<20 {
		s.buf.Write(p)
	}
	return len(p), nil
}

// hasText is has on the output without its escape sequences.
func (s *seen) hasText(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Contains(ansi.Strip(s.buf.String()), text)
}

func (s *seen) has(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Contains(s.buf.Bytes(), []byte(text))
}

// appSession is an app open over SSH: its keyboard and its screen.
type appSession struct {
	keys io.Writer
	out  *seen
}

// openApp opens the app over SSH with a terminal and waits for its first
// screen.
func (s *benchServe) openApp(b *testing.B) appSession {
	b.Helper()
	c, err := gossh.Dial("tcp", s.ssh, &gossh.ClientConfig{User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(s.signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}) //nolint:gosec // a test server on loopback
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	out := &seen{}
	sess.Stdout, sess.Stderr = out, out
	keys, err := sess.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 110, gossh.TerminalModes{}); err != nil {
		b.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !out.has("Onboard 0") {
		if time.Now().After(deadline) {
			b.Fatal("the app never showed its integrations")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return appSession{keys: keys, out: out}
}

// BenchmarkServeRSS: the resident memory of serve with 100 integrations ON,
// before and with 10 SSH sessions in the app.
func BenchmarkServeRSS(b *testing.B) {
	s := startBenchServe(b, 100)
	pid := s.cmd.Process.Pid
	time.Sleep(time.Second) // the engine settles: pollers, sandboxes
	idle, err := procStatus(pid, "VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	for range 10 {
		s.openApp(b)
	}
	time.Sleep(time.Second)
	b.ResetTimer()
	for b.Loop() {
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	rss, err := procStatus(pid, "VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	peak, _ := procStatus(pid, "VmHWM")
	b.ReportMetric(idle/1024, "MB-rss-0-sessions")
	b.ReportMetric(rss/1024, "MB-rss-10-sessions")
	b.ReportMetric(peak/1024, "MB-rss-peak")
	b.ReportMetric((rss-idle)/1024/10, "MB/session")
}

// BenchmarkIdleSSHSession: the CPU an open, idle app session costs serve,
// from serve's CPU with no session and with 10 idle ones; then how long
// the first key after the idle stretch takes to show (an idle session
// parks its renderer: tui/console/idle.go).
func BenchmarkIdleSSHSession(b *testing.B) {
	s := startBenchServe(b, 100)
	pid := s.cmd.Process.Pid
	time.Sleep(time.Second)
	w := benchWindow()
	base, baseWake := idleCost(b, pid, w)
	var apps []appSession
	for range 10 {
		apps = append(apps, s.openApp(b))
	}
	time.Sleep(time.Second) // first frames drawn
	b.ResetTimer()
	var with, withWake float64
	for b.Loop() {
		with, withWake = idleCost(b, pid, w)
	}
	b.StopTimer()
	var slowest time.Duration
	for _, app := range apps {
		start := time.Now()
		app.keys.Write([]byte("a")) // the accounts screen
		for !app.out.hasText("Verified as") {
			if time.Since(start) > 10*time.Second {
				b.Fatal("an idle session did not answer a key")
			}
			time.Sleep(time.Millisecond)
		}
		slowest = max(slowest, time.Since(start))
	}
	b.ReportMetric(float64(slowest)/float64(time.Millisecond), "ms-first-key-after-idle-max")
	b.ReportMetric(base, "%core-0-sessions")
	b.ReportMetric(with, "%core-10-idle-sessions")
	b.ReportMetric((with-base)/10, "%core/idle-session")
	b.ReportMetric((withWake-baseWake)/10, "wakeups/s/idle-session")
}
