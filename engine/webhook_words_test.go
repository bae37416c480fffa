package engine

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// TestReusedKeyAnswerCountsInWords: "item 1 differs … was not queued (1
// other item was accepted)", not "item 1 differ … (1 other items were …)".
func TestReusedKeyAnswerCountsInWords(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	h.post(in.ID, hookSecret, []any{person(3), person(4)}, "Idempotency-Key", "batch-1")
	resp, a := h.post(in.ID, hookSecret, []any{person(3), person(5), person(6)}, "Idempotency-Key", "batch-1")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(a.Error, "item 1 (run 2) differs from what was sent then and was not queued") || !strings.Contains(a.Error, "(1 other item was accepted)") {
		t.Fatalf("a changed item beside a new one: %d %q", resp.StatusCode, a.Error)
	}
}
