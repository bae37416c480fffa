package tui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// benchDB is a database with 100 integrations and 100,000 runs, built once
// per test binary.
var benchDB = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "oktaflow-tui-bench")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "oktaflow.db")
	os.Setenv(storage.SecretKeyEnv, "")
	st, err := storage.Open(path, storage.Options{})
	if err != nil {
		return "", err
	}
	defer st.Close()
	if _, err := st.AddAccount(storage.Account{Name: "acme", OrgURL: "https://acme.okta.com", Token: "bench-token-0123456789abcdef"}); err != nil {
		return "", err
	}
	var ids []string
	for i := range 100 {
		in, err := st.CreateIntegration(storage.Integration{
			Name: fmt.Sprintf("Integration %03d", i), Trigger: storage.Trigger{Type: "webhook"},
			Steps: []storage.Step{{ID: "create", Action: "okta.add_user", Account: "acme", Fields: map[string]string{"login": "{{ trigger.email }}"}}},
		})
		if err != nil {
			return "", err
		}
		if _, err := st.SetEnabled(in.ID, true, time.Time{}); err != nil {
			return "", err
		}
		ids = append(ids, in.ID)
	}
	payload := json.RawMessage(`{"first_name":"Ada","last_name":"Lovelace","email":"ada@acme.com"}`)
	for batch := range 100 {
		events := make([]storage.NewEvent, 1000)
		for j := range events {
			events[j] = storage.NewEvent{Payload: payload, DedupeKey: strconv.Itoa(batch*1000 + j)}
		}
		if _, err := st.EnqueueEvents(ids[batch], events, storage.EnqueueOptions{}); err != nil {
			return "", err
		}
	}
	return path, nil
})

func benchCommon(b *testing.B) (*Common, *storage.Store) {
	b.Helper()
	path, err := benchDB()
	if err != nil {
		b.Fatal(err)
	}
	st, err := storage.Open(path, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e, err := engine.New(engine.Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	return &Common{Ctx: context.Background(), Backend: e.Session("local:bench", engine.RoleAdmin), Styles: NewStyles(true), Keys: DefaultKeyMap()}, st
}

// BenchmarkColdStart starts a fresh process (this test binary in child
// mode, see TestMain) that opens a database of 100 integrations and
// 100,000 runs and renders the integrations list; it reports the time from
// exec to the first full frame, and the child's resident memory then, so
// neither includes the benchmark's own heap.
func BenchmarkColdStart(b *testing.B) {
	path, err := benchDB()
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	var rss float64
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), coldStartEnv+"="+path)
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("child: %v %s", err, out)
		}
		total += time.Since(start)
		var childMS float64
		if _, err := fmt.Sscanf(string(out), "%f %f", &childMS, &rss); err != nil {
			b.Fatalf("child said %q: %v", out, err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
	b.ReportMetric(rss, "MB-rss")
}

// coldStartEnv switches the test binary into cold-start child mode.
const coldStartEnv = "OKTAFLOW_BENCH_COLD_START_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(coldStartEnv); path != "" {
		os.Exit(coldStartChild(path))
	}
	os.Exit(m.Run())
}

// coldStartChild opens the database, runs the app to its first full frame,
// and prints the milliseconds that took and its resident memory in MB.
func coldStartChild(path string) int {
	start := time.Now()
	st, err := storage.Open(path, storage.Options{})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer st.Close()
	e, err := engine.New(engine.Options{Store: st})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	c := &Common{Ctx: context.Background(), Backend: e.Session("local:bench", engine.RoleAdmin), Styles: NewStyles(true), Keys: DefaultKeyMap()}
	app := New(c)
	p := tea.NewProgram(app, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40), tea.WithoutSignals())
	done := make(chan struct{})
	go func() { p.Run(); close(done) }()
	for !strings.Contains(app.LastFrame(), "Integration 000") {
		time.Sleep(100 * time.Microsecond)
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	fmt.Printf("%.2f %.1f\n", ms, rssMB())
	p.Kill()
	<-done
	return 0
}

// BenchmarkRunsScreenKey measures handling a key on the runs screen (all
// 100,000 runs) and rendering the frame, pages loaded as the cursor goes.
func BenchmarkRunsScreenKey(b *testing.B) {
	c, st := benchCommon(b)
	defer st.Close()
	app := New(c)
	app.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(app, app.pushScreen(newRuns(c, "", "")))
	var lat []time.Duration
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	for b.Loop() {
		start := time.Now()
		_, cmd := app.Update(down)
		settle(app, cmd)
		app.render()
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "ms-p99")
}

// settle runs a command and what follows from it synchronously, dropping
// timers and subscriptions (what a real program would run later).
func settle(app *App, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(50 * time.Millisecond):
		return
	}
	switch m := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			settle(app, c)
		}
	default:
		_, next := app.Update(m)
		settle(app, next)
	}
}

// rssMB reads this process's resident memory.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
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
