package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// setupOnboard makes a database with a sandbox-like account and the
// onboarding integration; it returns the integration's id.
func setupOnboard(t *testing.T) (string, *oktatest.Server) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("OKTAFLOW_DB", filepath.Join(dir, "of.db"))
	t.Setenv("OKTAFLOW_SECRET_KEY", "")
	sim := oktatest.NewServer(oktatest.Options{Token: "dev-token"})
	t.Cleanup(sim.Close)
	ctx := context.Background()
	if _, errOut, code := cli(t, ctx, "dev-token\n", "account", "add", "sandbox", "--domain", sim.URL, "--token-stdin", "--allow-http"); code != 0 {
		t.Fatalf("account add: %s", errOut)
	}
	out, errOut, code := cli(t, ctx, onboardDoc, "integration", "import", "-")
	if code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	return strings.TrimSpace(out), sim
}

// TestRunsPagesPastAnyLimit: runs --before pages on, and each page says
// the command line of the next.
func TestRunsPagesPastAnyLimit(t *testing.T) {
	id, _ := setupOnboard(t)
	ctx := context.Background()
	for i := range 7 {
		ev := fmt.Sprintf(`{"first_name":"P","last_name":"%d","email":"p%d@acme.com"}`, i, i)
		if _, errOut, code := cli(t, ctx, ev, "integration", "run", id, "--event", "-", "--no-wait"); code != 0 {
			t.Fatalf("run: %s", errOut)
		}
	}
	seen := map[storage.RunID]bool{}
	args := []string{"runs", "--limit", "3", "--json"}
	next := regexp.MustCompile(`More runs: oktaflow (runs .*)`)
	for page := 0; ; page++ {
		out, errOut, code := cli(t, ctx, "", args...)
		var runs []storage.Run
		if code != 0 || json.Unmarshal([]byte(out), &runs) != nil {
			t.Fatalf("%v: %d %q %q", args, code, out, errOut)
		}
		for _, r := range runs {
			if seen[r.ID] {
				t.Fatalf("run %d on two pages", r.ID)
			}
			seen[r.ID] = true
		}
		m := next.FindStringSubmatch(errOut)
		if m == nil {
			break
		}
		args = strings.Fields(m[1])
		if page > 5 {
			t.Fatal("the pages never end")
		}
	}
	if len(seen) != 7 {
		t.Fatalf("paged through %d runs, want 7", len(seen))
	}
	if _, errOut, code := cli(t, ctx, "", "runs", "--before", "x"); code != 2 || !strings.Contains(errOut, "--before") {
		t.Fatalf("a bad --before: %d %q", code, errOut)
	}
}

// TestTestAsksBeforeActingOnALiveItem: without --event, integration test
// acts on the trigger's latest item, so a script must say --yes.
func TestTestAsksBeforeActingOnALiveItem(t *testing.T) {
	id, sim := setupOnboard(t)
	ctx := context.Background()
	ev := `{"first_name":"Live","last_name":"Item","email":"live.item@acme.com"}`
	if _, errOut, code := cli(t, ctx, ev, "integration", "run", id, "--event", "-", "--no-wait"); code != 0 {
		t.Fatalf("run: %s", errOut)
	}
	_, errOut, code := cli(t, ctx, "", "integration", "test", id)
	if code != 2 || !strings.Contains(errOut, "add --yes") || !strings.Contains(errOut, "live.item@acme.com") || !strings.Contains(errOut, "okta.add_user on sandbox") {
		t.Fatalf("test without --event or --yes: %d %q", code, errOut)
	}
	if _, ok := sim.UserByLogin("live.item@acme.com"); ok {
		t.Fatal("the test acted although nobody said yes")
	}
	out, errOut, code := cli(t, ctx, "", "integration", "test", id, "--yes")
	if code != 0 || !strings.Contains(out, `"outcome": "created"`) {
		t.Fatalf("test --yes: %d %q %q", code, out, errOut)
	}
}

// storeHealth records an integration's trigger health in the CLI's
// database, as the process that polls it would.
func storeHealth(t *testing.T, id string, h storage.TriggerHealth) {
	t.Helper()
	path, _ := (&globals{}).dbPath()
	st, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SetTriggerHealth(id, h); err != nil {
		t.Fatal(err)
	}
}

// TestTriggerHealthInListAndShow: a trigger that cannot poll shows in
// integration list and show, and in their --json.
func TestTriggerHealthInListAndShow(t *testing.T) {
	id, _ := setupOnboard(t)
	ctx := context.Background()
	at := time.Now().Add(-2 * time.Minute)
	storeHealth(t, id, storage.TriggerHealth{State: storage.HealthFailing, LastError: "GET https://hr.example/api: 401 Unauthorized",
		LastErrorAt: at, Failures: 3})

	out, errOut, code := cli(t, ctx, "", "integration", "list")
	if code != 0 || !strings.Contains(out, "failing ×3, last 2m ago: GET https://hr.example/api: 401") || !strings.Contains(errOut, "1 trigger cannot poll") {
		t.Fatalf("integration list: %d %q %q", code, out, errOut)
	}
	out, _, _ = cli(t, ctx, "", "integration", "list", "--json")
	var list []struct {
		Health *storage.TriggerHealth `json:"health"`
	}
	if json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Health == nil || list[0].Health.Failures != 3 {
		t.Fatalf("integration list --json: %s", out)
	}
	out, errOut, code = cli(t, ctx, "", "integration", "show", id)
	var show struct {
		TriggerHealth storage.TriggerHealth `json:"triggerHealth"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &show) != nil || show.TriggerHealth.State != storage.HealthFailing ||
		!show.TriggerHealth.LastErrorAt.Equal(at) || !strings.Contains(errOut, "cannot poll: GET https://hr.example/api: 401") {
		t.Fatalf("integration show: %d %q %q", code, out, errOut)
	}
}

// TestTriggerWarningsAndFailingSinceInListAndShow: what the polling process
// recorded (the start of a failing streak; rows a working trigger skipped)
// is in the store, so the CLI shows it after serve stopped: list counts the
// warnings, show names each one on standard error and carries them in JSON.
func TestTriggerWarningsAndFailingSinceInListAndShow(t *testing.T) {
	id, _ := setupOnboard(t)
	ctx := context.Background()
	since := time.Now().Add(-3 * time.Hour)
	storeHealth(t, id, storage.TriggerHealth{State: storage.HealthFailing, LastError: "connection refused",
		LastErrorAt: time.Now().Add(-time.Minute), Failures: 40, FailingSince: since})
	_, errOut, _ := cli(t, ctx, "", "integration", "show", id)
	if want := "failing ×40 since " + since.Local().Format(time.DateTime); !strings.Contains(errOut, want) {
		t.Fatalf("integration show says %q; want %q", errOut, want)
	}

	w := []storage.TriggerWarning{
		{Integration: id, Reason: "bad_row", File: "hires.csv", Line: 3, Message: "hires.csv line 3: the row has 1 field; the header has 2", At: time.Now()},
		{Integration: id, Reason: "bad_encoding", File: "old.csv", Message: "old.csv is not UTF-8 at line 2; skipped until it changes", Standing: true, At: time.Now()},
	}
	storeHealth(t, id, storage.TriggerHealth{State: storage.HealthOK, LastOKAt: time.Now(), Warnings: w})
	out, errOut, code := cli(t, ctx, "", "integration", "list")
	if code != 0 || !strings.Contains(out, "ok, 2 warnings") || !strings.Contains(errOut, "integration show ID") {
		t.Fatalf("integration list: %d %q %q", code, out, errOut)
	}
	out, errOut, code = cli(t, ctx, "", "integration", "show", id)
	var show struct {
		TriggerHealth storage.TriggerHealth `json:"triggerHealth"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &show) != nil || len(show.TriggerHealth.Warnings) != 2 ||
		!strings.Contains(errOut, "The trigger skipped or waits for 2 items:") || !strings.Contains(errOut, "hires.csv line 3: the row has 1 field") ||
		!strings.Contains(errOut, "old.csv is not UTF-8") {
		t.Fatalf("integration show: %d %q %q", code, out, errOut)
	}
}

// A skipped row the process that polled recorded two days ago is not news
// any more (that process would have let it go after a day): the CLI does
// not show it; a standing warning stays.
func TestStaleSkippedRowsAreNotShown(t *testing.T) {
	id, _ := setupOnboard(t)
	old := time.Now().Add(-48 * time.Hour)
	storeHealth(t, id, storage.TriggerHealth{State: storage.HealthOK, LastOKAt: old, Warnings: []storage.TriggerWarning{
		{Integration: id, Reason: "bad_row", File: "hires.csv", Line: 3, Message: "hires.csv line 3: 1 field, the header has 2", At: old}}})
	out, errOut, _ := cli(t, context.Background(), "", "integration", "list")
	if strings.Contains(out, "warning") || strings.Contains(errOut, "warnings") {
		t.Fatalf("a two-day-old skipped row is shown: %q %q", out, errOut)
	}
	storeHealth(t, id, storage.TriggerHealth{State: storage.HealthOK, LastOKAt: old, Warnings: []storage.TriggerWarning{
		{Integration: id, Reason: "bad_encoding", File: "old.csv", Message: "old.csv is skipped until it changes", Standing: true, At: old}}})
	if out, _, _ := cli(t, context.Background(), "", "integration", "list"); !strings.Contains(out, "ok, 1 warning") {
		t.Fatalf("a standing warning is not shown: %q", out)
	}
}

// TestTestWithoutASampleNamesTheFlag: a webhook never called has no sample;
// the CLI says how to give an event here (--event FILE), the engine's
// words name no front end's flag.
func TestTestWithoutASampleNamesTheFlag(t *testing.T) {
	id, _ := setupOnboard(t)
	_, errOut, code := cli(t, context.Background(), "", "integration", "test", id)
	if code == 0 || !strings.Contains(errOut, "has no sample until it has been called once: give an event with --event FILE") {
		t.Fatalf("test of a webhook never called: %d %q", code, errOut)
	}
}
