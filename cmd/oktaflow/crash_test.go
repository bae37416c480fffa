package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// buildBinary builds oktaflow once for the tests that run it as a child.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "oktaflow-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "oktaflow")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// TestCrashRecovery kills `oktaflow serve` with SIGKILL at random points
// during bursts of webhook events, restarts it, and checks at the end that
// every accepted event reached a final state, that no login was created
// twice in Okta, and that the database checks clean.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test builds and kills the binary; it runs without -short")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "of.db")
	t.Setenv("OKTAFLOW_DB", db)
	// A generous rate limit: this test is about crashes, not pacing.
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token", Seed: 3, Latency: 2 * time.Millisecond, RateLimit: 100000})
	defer sim.Close()
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, "dev-token\n", "account", "add", "sandbox", "--domain", sim.URL, "--token-stdin", "--allow-http"); code != 0 {
		t.Fatal(errOut)
	}
	docPath := filepath.Join(dir, "onboard.json")
	os.WriteFile(docPath, []byte(onboardDoc), 0o600)
	out, errOut, code := cli(t, ctx, "", "integration", "import", docPath)
	if code != 0 {
		t.Fatal(errOut)
	}
	id := strings.TrimSpace(out)
	if _, errOut, code := cli(t, ctx, "", "integration", "enable", id); code != 0 {
		t.Fatal(errOut)
	}

	rng := rand.New(rand.NewPCG(42, 7))
	accepted := map[string]bool{}
	var mu sync.Mutex
	next := 0
	const rounds, senders = 6, 3
	for round := range rounds {
		addr := freeAddr(t)
		child := startServe(t, bin, db, addr)
		waitHTTP(t, "http://"+addr+"/healthz")
		// Senders post events one after another until the kill; events whose
		// answer never came (connection refused or reset) are not accepted.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					n := next
					next++
					mu.Unlock()
					if postHire(addr, id, n) {
						mu.Lock()
						accepted[hireLogin(n)] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
		close(stop)
		wg.Wait()
		mu.Lock()
		t.Logf("round %d: %d of %d events accepted so far", round, len(accepted), next)
		mu.Unlock()
	}

	// a last, clean run to finish everything
	addr := freeAddr(t)
	child := startServe(t, bin, db, addr)
	waitHTTP(t, "http://"+addr+"/healthz")
	waitFor(t, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var h struct{ Queued, Running int }
		json.NewDecoder(resp.Body).Decode(&h)
		return h.Queued == 0 && h.Running == 0
	})
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}
	if len(accepted) == 0 {
		t.Fatal("no event was accepted: the test proved nothing")
	}

	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatalf("database check: %v", err)
	}
	counts, _ := st.RunCounts()
	if counts[storage.RunQueued]+counts[storage.RunRunning]+counts[storage.RunRetrying]+counts[storage.RunWaiting] != 0 || counts[storage.RunFailed] != 0 {
		t.Fatalf("runs not all succeeded: %v", counts)
	}
	logins := map[string]int{}
	for _, u := range sim.Users() {
		logins[strings.ToLower(u.Login)]++
	}
	for login := range accepted {
		if logins[login] != 1 {
			t.Errorf("accepted event %s: user exists %d times", login, logins[login])
		}
	}
	for login, n := range logins {
		if n > 1 {
			t.Errorf("%s created %d times", login, n)
		}
	}
}

func startServe(t *testing.T, bin, db, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", db, "--http-addr", addr)
	cmd.Env = append(os.Environ(), "OKTAFLOW_SECRET_KEY=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd
}

func hireLogin(n int) string { return fmt.Sprintf("crash%d@acme.com", n) }

// postHire sends one event and reports whether it was accepted (202).
func postHire(addr, id string, n int) bool {
	body := fmt.Sprintf(`{"first_name":"Crash","last_name":"Test%d","email":%q}`, n, hireLogin(n))
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/"+id, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer change-me")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted
}
