package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
)

// healthzWarnings is the warnings part of /healthz.
type healthzWarnings struct {
	Status   string
	Triggers struct {
		Warnings []TriggerWarning
	}
}

// Rows and files a CSV trigger skips show in its health, not only in the
// log: each as a warning naming the file and line (Engine.TriggerWarnings
// and /healthz), counted by reason in oktaflow_trigger_problems_total; a
// skipped file stays a warning until it changes, and is counted once. A
// CSV path that disappears fails its polls with the reason file_not_found.
func TestCSVSkippedRowsAndFilesShowInHealth(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	drop := filepath.Join(h.e.FeedsDir(), "drop")
	os.MkdirAll(drop, 0o700)
	os.WriteFile(filepath.Join(drop, "a.csv"), []byte("id,email\nE1,a@acme.com\n"), 0o600)
	in := h.importOn(csvDoc("HR drop", drop))
	h.start()
	waitCursor(t, h, in.ID)

	appendTo(t, filepath.Join(drop, "a.csv"), "E2\nE3,c@acme.com\n")                               // line 3 is broken
	os.WriteFile(filepath.Join(drop, "b.csv"), []byte("id,email\nE9,M\xfcller@acme.com\n"), 0o600) // not UTF-8 at line 2
	waitUntil(t, func() bool { return len(h.e.TriggerWarnings(in.ID)) >= 2 })
	byFile := map[string]TriggerWarning{}
	for _, w := range h.e.TriggerWarnings(in.ID) {
		byFile[w.File] = w
	}
	if w := byFile["a.csv"]; w.Line != 3 || w.Reason != "bad_row" || !strings.Contains(w.Message, "a.csv line 3") {
		t.Errorf("the broken row: %+v", w)
	}
	if w := byFile["b.csv"]; w.Line != 2 || w.Reason != "bad_encoding" || !w.Standing || !strings.Contains(w.Message, "wait until it is fixed") {
		t.Errorf("the skipped file: %+v", w)
	}
	var hz healthzWarnings
	getJSONBody(t, h.http.URL+"/healthz", &hz)
	if len(hz.Triggers.Warnings) < 2 || hz.Triggers.Warnings[0].Integration != in.ID || hz.Triggers.Warnings[0].Name != "HR drop" {
		t.Errorf("/healthz warnings %+v", hz)
	}
	waitUntil(t, func() bool { // more polls: the skipped file is not counted again
		c, _ := h.store.Cursor(in.ID)
		return strings.Contains(c, "b.csv")
	})
	metrics := getBody(t, h.http.URL+"/metrics")
	for _, want := range []string{
		fmt.Sprintf(`oktaflow_trigger_problems_total{integration=%q,reason="bad_row"} 1`, in.ID),
		fmt.Sprintf(`oktaflow_trigger_problems_total{integration=%q,reason="bad_encoding"} 1`, in.ID),
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// Fixed, the file flows and its warning goes.
	os.WriteFile(filepath.Join(drop, "b.csv"), []byte("id,email\nE9,muller@acme.com\n"), 0o600)
	waitUntil(t, func() bool {
		for _, w := range h.e.TriggerWarnings(in.ID) {
			if w.File == "b.csv" {
				return false
			}
		}
		return true
	})

	// The folder goes away: a failure whose reason says so.
	os.RemoveAll(drop)
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.State == TriggerFailing })
	if m := getBody(t, h.http.URL+"/metrics"); !strings.Contains(m, fmt.Sprintf(`oktaflow_trigger_poll_failures_total{integration=%q,reason="file_not_found"}`, in.ID)) {
		t.Error("a missing CSV path is not counted as file_not_found")
	}
}

// csvDoc is an integration whose CSV trigger reads path (keyed by id) and
// looks each row's email up in the sandbox org.
func csvDoc(name, path string) string {
	return fmt.Sprintf(`{"name": %q, "trigger": {"type": "csv", "config": {"path": %q, "key_column": "id"}},
	  "steps": [{"id": "find", "action": "okta.get_user", "account": "sandbox", "fields": {"login": "{{ trigger.email }}"}}]}`, name, path)
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
