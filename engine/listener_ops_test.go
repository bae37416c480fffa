package engine

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With an operations address, /healthz in full and /metrics are served
// there only; the public port serves the webhooks and a /healthz that says
// ok or degraded and nothing else (no integration, no upstream error text).
func TestOpsAddrKeepsDetailOffThePublicPort(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	hook := h.importOn(onboarding)
	poll := h.importOn(pollDoc("https://api.example.com/items"))
	h.e.health.failed(poll.ID, errors.New(`the API answered 403: {"internal": "upstream-secret"}`), "auth", time.Minute)
	addr := h.listen(ListenOptions{OpsAddr: "127.0.0.1:0"})
	info := h.e.ListenInfo()
	if info.OpsAddr == "" || info.OpsURL != "http://"+info.OpsAddr {
		t.Fatalf("listen info: %+v", info)
	}
	code, body := get(t, "http://"+addr+"/healthz")
	if code != http.StatusOK || strings.TrimSpace(body) != `{"status":"degraded"}` {
		t.Fatalf("public /healthz: %d %s", code, body)
	}
	if code, _ := get(t, "http://"+addr+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("public /metrics: %d", code)
	}
	resp, _ := h.post(hook.ID, hookSecret, map[string]any{"email": "a@acme.com"})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook through the harness: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/"+hook.ID, strings.NewReader(`{"email":"b@acme.com"}`))
	req.Header.Set("Authorization", "Bearer "+hookSecret)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook on the public port: %v %v", resp, err)
	}
	code, body = get(t, info.OpsURL+"/healthz")
	if code != http.StatusOK || !strings.Contains(body, "upstream-secret") || !strings.Contains(body, poll.ID) {
		t.Fatalf("ops /healthz: %d %s", code, body)
	}
	if code, body := get(t, info.OpsURL+"/metrics"); code != http.StatusOK || !strings.Contains(body, "oktaflow_") {
		t.Fatalf("ops /metrics: %d", code)
	}
	req, _ = http.NewRequest(http.MethodPost, info.OpsURL+"/hooks/"+hook.ID, strings.NewReader(`{}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("webhook on the ops port: %v %v", resp, err)
	}
	// Stopping the listener closes both ports.
	h.e.mu.Lock()
	srv := h.e.listener
	h.e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", info.OpsAddr); err == nil {
		c.Close()
		t.Fatal("the ops port still accepts after shutdown")
	}
}

// An operations address that cannot be bound stops the listener from
// starting, saying so: the operator asked for the split.
func TestOpsAddrTakenFailsTheListener(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = h.e.ListenWith("127.0.0.1:0", ListenOptions{OpsAddr: taken.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "operations") {
		t.Fatalf("a taken ops address: %v", err)
	}
	if st := h.e.ListenInfo(); st.Addr != "" {
		t.Fatalf("the public port stayed open: %+v", st)
	}
}
