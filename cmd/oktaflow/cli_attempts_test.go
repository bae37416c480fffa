package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/storage"
)

// TestRunShowListsAttempts: `run show` lists each attempt of a retried run
// with its error and step, and says when the run ran an older version of
// its integration; --json carries the same.
func TestRunShowListsAttempts(t *testing.T) {
	id, _ := setupOnboard(t)
	ctx := context.Background()
	st, err := storage.Open(os.Getenv("OKTAFLOW_DB"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.EnqueueEvents(id, []storage.NewEvent{{Payload: json.RawMessage(`{"email":"a@acme.com"}`)}}, storage.EnqueueOptions{AllowOff: true})
	if err != nil {
		t.Fatal(err)
	}
	run := res[0].RunID
	st.StartRun(run)
	st.FinishRun(run, storage.Outcome{State: storage.RunRetrying, Due: time.Now(), Cause: &storage.StepError{Message: "step create: 503 Service Unavailable"}}.OnStep("create"))
	in, _ := st.Integration(id)
	in.Description = "edited"
	if _, err := st.UpdateIntegration(in); err != nil {
		t.Fatal(err)
	}
	st.StartRun(run)
	st.FinishRun(run, storage.Outcome{State: storage.RunFailed, Cause: &storage.StepError{Message: "step create: 400 bad login"}}.OnStep("create"))
	in.Description = "edited again"
	if _, err := st.UpdateIntegration(in); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errOut, code := cli(t, ctx, "", "run", "show", run.String())
	if code != 0 {
		t.Fatalf("run show: %s", errOut)
	}
	for _, w := range []string{"ran version 2; the integration is now at version 3", "Attempts",
		"#1  retrying", "version 1", "step create", "503 Service Unavailable", "#2  failed", "400 bad login"} {
		if !strings.Contains(out, w) {
			t.Errorf("run show lacks %q:\n%s", w, out)
		}
	}
	out, errOut, code = cli(t, ctx, "", "run", "show", run.String(), "--json")
	var got struct {
		Version            int               `json:"version"`
		IntegrationVersion int               `json:"integrationVersion"`
		Attempts           []storage.Attempt `json:"attempts"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("run show --json: %d %s %s", code, out, errOut)
	}
	if got.Version != 2 || got.IntegrationVersion != 3 || len(got.Attempts) != 2 || got.Attempts[0].Step != "create" || got.Attempts[0].Error.Message != "step create: 503 Service Unavailable" {
		t.Errorf("run show --json: %+v", got)
	}
}
