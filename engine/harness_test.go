package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// harness is an engine over a fresh store, connected to a simulated org
// as the account "sandbox", with its HTTP handler served by httptest.
type harness struct {
	t     testing.TB
	once  sync.Once
	store *storage.Store
	e     *Engine
	sim   *oktatest.Server
	http  *httptest.Server
}

func newHarness(t testing.TB, simOpts oktatest.Options, clientOpts ...okta.Option) *harness {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "oktaflow.db"), storage.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	sim := oktatest.NewServer(simOpts)
	opts := append([]okta.Option{okta.WithRetryBackoff(time.Millisecond, 20*time.Millisecond)}, clientOpts...)
	e, err := New(Options{Store: st, OktaOptions: opts, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: st, e: e, sim: sim, http: httptest.NewServer(e.Handler())}
	t.Cleanup(h.cleanup)
	if _, err := e.AddAccount(context.Background(), AccountInput{Name: "sandbox", Domain: sim.URL, Token: storage.Secret(sim.Token), AllowHTTP: true}); err != nil {
		t.Fatal(err)
	}
	return h
}

// cleanup stops everything once (a benchmark calls it early, Cleanup again).
func (h *harness) cleanup() {
	h.once.Do(func() {
		h.http.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.e.Stop(ctx); err != nil {
			h.t.Errorf("stop: %v", err)
		}
		h.sim.Close()
		h.store.Close()
	})
}

func (h *harness) start() {
	h.t.Helper()
	if err := h.e.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// onboarding is the mission's first integration: a webhook creates a user.
const onboarding = `{"name": "Onboard new hires",
 "trigger": {"type": "webhook", "config": {"secret": "change-me-0123456789"}},
 "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
            "fields": {"firstName": "{{ trigger.first_name }}", "lastName": "{{ trigger.last_name }}",
                       "email": "{{ trigger.email }}", "login": "{{ trigger.email }}"},
            "options": {"activate": true}}]}`

func (h *harness) importOn(doc string) storage.Integration {
	h.t.Helper()
	in, err := h.e.Import(context.Background(), []byte(doc))
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.e.SetEnabled(context.Background(), in.ID, true, time.Time{}); err != nil {
		h.t.Fatal(err)
	}
	return in
}

func (h *harness) post(id, secret string, body any, headers ...string) (*http.Response, hookAnswer) {
	h.t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		raw, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/hooks/"+id, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a hookAnswer
	json.NewDecoder(resp.Body).Decode(&a)
	return resp, a
}

// waitRuns waits until no run is pending or running, and returns the counts.
// The deadline only stops a hung test; it asserts nothing about speed.
func (h *harness) waitRuns() map[storage.RunState]int {
	h.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		counts, err := h.store.RunCounts()
		if err != nil {
			h.t.Fatal(err)
		}
		pending := counts[storage.RunQueued] + counts[storage.RunRunning] + counts[storage.RunRetrying] + counts[storage.RunWaiting]
		if pending == 0 {
			return counts
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("runs still pending: %v", counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func person(i int) map[string]any {
	return map[string]any{"first_name": "User", "last_name": fmt.Sprint("N", i), "email": fmt.Sprintf("user%d@acme.com", i)}
}

// waitUntil polls cond; the deadline only ends a hung test.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
