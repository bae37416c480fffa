package engine

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// An http.request step whose target the address policy refuses (here a
// loopback URL the event gives, so that saving could not check it) fails
// its run at the first attempt with the policy's words: before, the
// refusal was taken for a network failure and retried 8 times.
func TestHTTPRequestPolicyRefusalFailsTheRunAtOnce(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer api.Close()
	in := h.importOn(`{"name": "notify", "trigger": {"type": "manual"},
	  "steps": [{"id": "notify", "action": "http.request", "fields": {"url": "{{ trigger.url }}"}}]}`)
	h.start()
	runID, err := h.e.RunNow(in.ID, map[string]any{"url": api.URL + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	if counts := h.waitRuns(); counts[storage.RunFailed] != 1 {
		t.Fatalf("runs: %v", counts)
	}
	run, err := h.store.Run(runID)
	if err != nil {
		t.Fatal(err)
	}
	step, _ := run.Step("notify")
	if run.Attempt != 1 || step.Error == nil || !strings.Contains(step.Error.Message, "loopback address") || !strings.Contains(step.Error.Message, "--allow-private-addresses") {
		t.Fatalf("attempt %d, step error %+v; want one attempt failed with the policy's words", run.Attempt, step.Error)
	}
}
