package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// A retried run lists each attempt with its own error and step, and a run
// of an older version of its integration says so.
func TestRunDetailListsAttempts(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	st := eng(c).Store()
	id := runsSeed(t, c, in.ID, 1)[0]
	st.StartRun(id)
	st.FinishRun(id, storage.Outcome{State: storage.RunRetrying, Due: time.Now(),
		Cause: &storage.StepError{Message: "step create: okta: 503 Service Unavailable", Status: 503}}.OnStep("create"))
	st.StartRun(id)
	st.FailRun(id, &storage.StepError{Message: "step create: Api validation failed: login", Status: 400, Code: "E0000001"})
	// Two edits later the integration is at version 3.
	for _, d := range []string{"one", "two"} {
		cur, _ := st.Integration(in.ID)
		cur.Description = d
		if _, err := eng(c).SaveIntegration(c.Ctx, cur); err != nil {
			t.Fatal(err)
		}
	}

	s := rdOpen(t, c, id)
	got := s.plainContent()
	for _, w := range []string{
		"ran version 1; the integration is now at version 3",
		"Attempts",
		"#1", "retrying", "step create", "503 Service Unavailable",
		"#2", "failed", "Api validation failed: login",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("detail lacks %q:\n%s", w, got)
		}
	}
	if strings.Index(got, "#1") > strings.Index(got, "#2") {
		t.Errorf("attempts not in order:\n%s", got)
	}
	runsFits(t, s.View(), c.Width, c.Height)
}

// A run of the current version does not warn.
func TestRunDetailCurrentVersionQuiet(t *testing.T) {
	c, _ := newTestCommon(t)
	in := runsTestIntegration(t, c, "Onboard")
	id := runsSeed(t, c, in.ID, 1)[0]
	runsFail(t, c, id)
	got := rdOpen(t, c, id).plainContent()
	if strings.Contains(got, "is now at version") || !strings.Contains(got, "Version      1 (current)") {
		t.Errorf("a run of the current version:\n%s", got)
	}
}
