package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// holdingProxy stands in front of a simulated org and holds the first user
// creation until released, so that a test can act while a step is in
// flight.
func holdingProxy(t *testing.T, target string) (base string, inFlight <-chan struct{}, release func()) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	arrived, released := make(chan struct{}), make(chan struct{})
	first := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/users" && first {
			first = false
			close(arrived)
			<-released
		}
		proxy.ServeHTTP(w, r)
	}))
	var once bool
	t.Cleanup(func() {
		if !once {
			close(released)
		}
		srv.Close()
	})
	return srv.URL, arrived, func() {
		if !once {
			once = true
			close(released)
		}
	}
}

// TestServeStopsAfterAStorageFault: the database file is cut short while a
// step is in flight (a copy over a live file, a failing disk), so the
// step's write faults and bbolt keeps a lock the fault interrupted. serve
// must go on answering at once: /healthz with 503 naming the damaged file
// and the way out, a webhook with 503 (the sender retries later), not a
// request that hangs. SIGTERM then stops it within its bounds, exiting
// non-zero and saying what failed.
func TestServeStopsAfterAStorageFault(t *testing.T) {
	if testing.Short() {
		t.Skip("the storage fault test builds and runs the binary; it runs without -short")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")
	t.Setenv("OKTAFLOW_DB", db)
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token"})
	defer sim.Close()
	orgURL, inFlight, release := holdingProxy(t, sim.URL)
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, "dev-token\n", "account", "add", "sandbox", "--domain", orgURL, "--token-stdin", "--allow-http"); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := cli(t, ctx, onboardDoc, "integration", "import", "-")
	if code != 0 {
		t.Fatal(errOut)
	}
	id := strings.TrimSpace(out)
	if _, errOut, code := cli(t, ctx, "", "integration", "enable", id); code != 0 {
		t.Fatal(errOut)
	}

	addr := freeAddr(t)
	child := exec.Command(bin, "serve", "--db", db, "--http-addr", addr, "--grace", "100ms", "--close-timeout", "300ms")
	child.Env = append(os.Environ(), "OKTAFLOW_SECRET_KEY=")
	logs := &lockedBuffer{}
	child.Stdout, child.Stderr = logs, logs
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() {
		child.Process.Kill()
		if t.Failed() {
			t.Logf("serve's log:\n%s", logs.String())
		}
	})
	waitHTTP(t, "http://"+addr+"/healthz")
	if !postHire(addr, id, 1) {
		t.Fatal("the webhook was not accepted")
	}
	select {
	case <-inFlight:
	case <-time.After(15 * time.Second):
		t.Fatal("the step never called the org")
	}
	if err := os.Truncate(db, 0); err != nil {
		t.Fatal(err)
	}
	release()
	waitFor(t, func() bool { return strings.Contains(logs.String(), "store writes failing") })

	quick := &http.Client{Timeout: 3 * time.Second}
	resp, err := quick.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("/healthz after the fault: %v (it must answer at once)", err)
	}
	health, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(health), "is damaged") || !strings.Contains(string(health), "Restore it from a backup") {
		t.Fatalf("/healthz after the fault: %d %s", resp.StatusCode, health)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/"+id, strings.NewReader(`{"first_name":"After","last_name":"Fault","email":"after.fault@acme.com"}`))
	req.Header.Set("Authorization", "Bearer change-me")
	req.Header.Set("Content-Type", "application/json")
	resp, err = quick.Do(req)
	if err != nil {
		t.Fatalf("a webhook after the fault: %v (it must answer at once)", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(answer), "damaged") || strings.Contains(string(answer), db) {
		t.Fatalf("a webhook after the fault answered %d %s, want 503 saying the database is damaged (without its path)", resp.StatusCode, answer)
	}
	resp, err = quick.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `oktaflow_store_write_failures_total{op="ingest"}`) {
		t.Error("the failed ingest is not counted in oktaflow_store_write_failures_total")
	}

	if err := child.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The deadline only ends a hung test: serve's own bounds are far shorter.
	select {
	case err = <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after SIGTERM: it waits on the database for good")
	}
	if err == nil {
		t.Fatal("serve exited 0 after a storage fault")
	}
	final := logs.String()
	if os.Getenv("OKTAFLOW_SHOW_LOG") != "" {
		t.Logf("serve's log:\n%s", final)
	}
	for _, want := range []string{"database writes were failing", "memory fault", "is damaged", "not closed cleanly"} {
		if !strings.Contains(final, want) {
			t.Errorf("serve's last words do not say %q", want)
		}
	}
	if strings.Contains(final, "did not close within") {
		t.Error("serve waited on the damaged database to close")
	}
}
