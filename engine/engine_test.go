package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta"
	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

func TestWebhookCreatesUsers(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.start()
	in := h.importOn(onboarding)
	secret := "change-me-0123456789"

	resp, a := h.post(in.ID, secret, []any{person(1), person(2)}, "Idempotency-Key", "batch-1")
	if resp.StatusCode != http.StatusAccepted || a.Accepted != 2 || len(a.Runs) != 2 {
		t.Fatalf("POST: %d %+v", resp.StatusCode, a)
	}
	_, again := h.post(in.ID, secret, []any{person(1), person(2)}, "Idempotency-Key", "batch-1")
	if again.Accepted != 0 || again.Duplicates != 2 {
		t.Fatalf("re-delivery: %+v", again)
	}
	counts := h.waitRuns()
	if counts[storage.RunSucceeded] != 2 {
		t.Fatalf("runs %v", counts)
	}
	for _, login := range []string{"user1@acme.com", "user2@acme.com"} {
		if u, ok := h.sim.UserByLogin(login); !ok || u.Status != "PROVISIONED" {
			t.Fatalf("%s: %+v %v", login, u, ok)
		}
	}
	r, err := h.store.Run(a.Runs[0])
	if err != nil || len(r.Steps) != 1 || !r.Steps[0].Succeeded || !strings.Contains(string(r.Steps[0].Output), `"outcome":"created"`) {
		t.Fatalf("run record: %+v %v", r, err)
	}
	if r.Steps[0].Input["login"] != "user1@acme.com" {
		t.Fatalf("resolved input %v", r.Steps[0].Input)
	}
}

func TestWebhookAnswers(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.start()
	in := h.importOn(onboarding)
	secret := "change-me-0123456789"
	cases := []struct {
		name    string
		id      string
		secret  string
		body    any
		headers []string
		status  int
		says    string
	}{
		{"bad secret", in.ID, "nope", person(1), nil, 401, "wrong secret"},
		{"no secret", in.ID, "", person(1), nil, 401, "Authorization: Bearer"},
		{"unknown integration", "int_nope", secret, person(1), nil, 404, "no webhook integration"},
		{"malformed", in.ID, secret, []byte(`{"a":`), nil, 400, "not valid JSON"},
		{"not objects", in.ID, secret, []byte(`[1,2]`), nil, 400, "item 0 of the array is a number"},
		{"not json", in.ID, secret, []byte(`a=b`), []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"too large", in.ID, secret, []byte(`{"a":"` + strings.Repeat("x", 1<<20) + `"}`), nil, 413, "1 MiB limit"},
	}
	for _, c := range cases {
		resp, a := h.post(c.id, c.secret, c.body, c.headers...)
		if resp.StatusCode != c.status || !strings.Contains(a.Error, c.says) {
			t.Errorf("%s: %d %q, want %d %q", c.name, resp.StatusCode, a.Error, c.status, c.says)
		}
	}
	if _, err := h.e.SetEnabled(context.Background(), in.ID, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if resp, a := h.post(in.ID, secret, person(1)); resp.StatusCode != 409 || !strings.Contains(a.Error, "OFF") {
		t.Fatalf("while OFF: %d %+v", resp.StatusCode, a)
	}

	// Okta event hook verification
	req, _ := http.NewRequest(http.MethodGet, h.http.URL+"/hooks/"+in.ID, nil)
	req.Header.Set("X-Okta-Verification-Challenge", "abc123")
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"verification":"abc123"}` {
		t.Fatalf("verification: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(h.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"oktaflow_runs{state=\"queued\"}", "oktaflow_events_accepted_total", "oktaflow_okta_requests_total{status=\"200\"}"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestStepsChainAndMissingValues(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.sim.AddUser(map[string]any{"login": "ada@acme.com", "email": "ada@acme.com", "firstName": "Ada", "lastName": "Lovelace"}, "ACTIVE")
	h.start()
	in := h.importOn(`{"name": "Offboard", "trigger": {"type": "manual"},
	  "steps": [
	    {"id": "find", "action": "okta.get_user", "account": "sandbox", "fields": {"firstName": "{{ trigger.first }}", "lastName": "{{ trigger.last }}"}},
	    {"id": "off", "action": "okta.deactivate_user", "account": "sandbox", "fields": {"id": "{{ steps.find.id }}"}}]}`)
	ok, err := h.e.RunNow(in.ID, map[string]any{"first": "Ada", "last": "Lovelace"})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := h.e.RunNow(in.ID, map[string]any{"first": "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	h.waitRuns()
	r, _ := h.store.Run(ok)
	if r.State != storage.RunSucceeded || len(r.Steps) != 2 || !strings.Contains(string(r.Steps[1].Output), "deactivated") {
		t.Fatalf("chain: %+v", r)
	}
	if u, _ := h.sim.UserByLogin("ada@acme.com"); u.Status != "DEPROVISIONED" {
		t.Fatalf("ada is %s", u.Status)
	}
	r, _ = h.store.Run(bad)
	if r.State != storage.RunFailed || r.Attempt != 1 || !strings.Contains(r.Error.Message, "missing value: trigger.last") {
		t.Fatalf("missing value must fail at once, naming the path: %+v %+v", r, r.Error)
	}
	// a second run of the same person: already deprovisioned, no second deactivate
	again, _ := h.e.RunNow(in.ID, map[string]any{"first": "Ada", "last": "Lovelace"})
	h.waitRuns()
	r, _ = h.store.Run(again)
	if r.State != storage.RunSucceeded || !strings.Contains(string(r.Steps[1].Output), "already_deprovisioned") {
		t.Fatalf("again: %+v", r)
	}
}

func TestOktaValidationErrorFailsAtOnceWithOktasError(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.start()
	in := h.importOn(onboarding)
	_, a := h.post(in.ID, "change-me-0123456789", map[string]any{"first_name": "No", "last_name": "Email", "email": "not-an-email"})
	h.waitRuns()
	r, _ := h.store.Run(a.Runs[0])
	if r.State != storage.RunFailed || r.Attempt != 1 || r.Error == nil || r.Error.Code != "E0000001" || len(r.Error.Causes) == 0 {
		t.Fatalf("run %+v error %+v", r, r.Error)
	}
}

func TestFaultsAndStormsEndWithEveryUserOnce(t *testing.T) {
	h := newHarness(t, oktatest.Options{Seed: 7, FaultRate: 0.1, DropRate: 0.05},
		okta.WithMaxRetries(1), okta.WithMaxRateLimitWaits(0))
	h.start()
	in := h.importOn(onboarding)
	h.sim.Storm(300 * time.Millisecond)
	const n = 40
	for i := range n {
		if resp, _ := h.post(in.ID, "change-me-0123456789", person(i)); resp.StatusCode != 202 {
			t.Fatalf("POST %d: %d", i, resp.StatusCode)
		}
	}
	counts := h.waitRuns()
	if counts[storage.RunSucceeded] != n {
		t.Fatalf("runs %v, want %d succeeded", counts, n)
	}
	logins := map[string]int{}
	for _, u := range h.sim.Users() {
		logins[strings.ToLower(u.Login)]++
	}
	for i := range n {
		login := person(i)["email"].(string)
		if logins[login] != 1 {
			t.Errorf("%s exists %d times", login, logins[login])
		}
	}
}

func TestRateLimitedRunWaitsWithoutUsingAttempts(t *testing.T) {
	h := newHarness(t, oktatest.Options{}, okta.WithMaxRateLimitWaits(0))
	h.start()
	in := h.importOn(onboarding)
	h.sim.Storm(1500 * time.Millisecond)
	_, a := h.post(in.ID, "change-me-0123456789", person(1))
	sawWaiting := false
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r, _ := h.store.Run(a.Runs[0])
		if r.State == storage.RunWaiting {
			sawWaiting = true
		}
		if r.State.Final() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r, _ := h.store.Run(a.Runs[0])
	if !sawWaiting || r.State != storage.RunSucceeded || r.Attempt != 1 {
		t.Fatalf("sawWaiting=%v state=%s attempt=%d", sawWaiting, r.State, r.Attempt)
	}
}

func TestImportReportsEveryProblem(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	_, err := h.e.Import(context.Background(), []byte(`{"name": "", "trigger": {"type": "webhook", "config": {"colour": "red"}},
	  "steps": [{"id": "a", "action": "okta.add_user", "account": "prod", "fields": {"login": "{{ trigger.email", "favourite": "x", "password": "hunter2hunter2"}},
	            {"id": "a", "action": "okta.fly", "account": "sandbox"},
	            {"id": "c", "action": "okta.get_user", "account": "sandbox", "fields": {"id": "{{ steps.zzz.id }}"}, "options": {"match": "all"}}]}`))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"name: give the integration a name",
		"steps[0].account: no account named \"prod\" (accounts: sandbox)",
		"steps[0].fields.favourite: okta.add_user has no field \"favourite\"",
		"steps[0].fields.login: \"{{\" is never closed",
		"steps[0].fields.firstName: required by Okta but not mapped",
		"steps[1].action: unknown action \"okta.fly\"",
		"steps[1].id: another step has the id \"a\"",
		"steps[2].fields.id: reads steps.zzz, but the steps before this one are: [a a]",
		"steps[2].options.match: want one of only, first, got all",
		"trigger.config.colour: unknown setting for a webhook trigger",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "fields.password") {
		t.Errorf("a literal password is sealed at save, not a problem:\n%s", msg)
	}
	if _, err := h.e.Import(context.Background(), []byte(`{"name": "x", "trigerr": {}}`)); err == nil || !strings.Contains(err.Error(), `unknown field "trigerr"`) {
		t.Fatalf("typo: %v", err)
	}
	if _, err := h.e.Import(context.Background(), []byte("{\n  \"name\": \"x\",\n  \"steps\": 3\n}")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("type error position: %v", err)
	}
	if list, _ := h.store.Integrations(); len(list) != 0 {
		t.Fatalf("a bad import stored something: %v", list)
	}
}

func TestExportHasNoSecrets(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in, err := h.e.Import(context.Background(), []byte(onboarding))
	if err != nil {
		t.Fatal(err)
	}
	if in.Enabled {
		t.Fatal("an import must start OFF")
	}
	stored, _ := h.store.Integration(in.ID)
	if stored.Trigger.Secrets["secret"].Reveal() != "change-me-0123456789" {
		t.Fatalf("secret not kept sealed: %v", stored.Trigger.Secrets)
	}
	raw, _ := jsonMarshal(DocumentOf(stored))
	if strings.Contains(raw, "change-me") {
		t.Fatalf("export leaks the secret: %s", raw)
	}
	if _, err := h.e.Import(context.Background(), []byte(raw)); err != nil {
		t.Fatalf("an export must import again: %v", err)
	}
}

func TestSwitchOffCancelsQueuedRuns(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding) // engine not started: runs stay queued
	for i := range 3 {
		h.post(in.ID, "change-me-0123456789", person(i))
	}
	n, err := h.e.SetEnabled(context.Background(), in.ID, false, time.Time{})
	if err != nil || n != 3 {
		t.Fatalf("cancelled %d %v", n, err)
	}
	if counts, _ := h.store.RunCounts(); counts[storage.RunCancelled] != 3 {
		t.Fatalf("counts %v", counts)
	}
}

func TestStartRecoversOrphans(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in := h.importOn(onboarding)
	_, a := h.post(in.ID, "change-me-0123456789", person(1))
	if _, err := h.store.StartRun(a.Runs[0]); err != nil { // a crash right after the claim
		t.Fatal(err)
	}
	h.start()
	h.waitRuns()
	if r, _ := h.store.Run(a.Runs[0]); r.State != storage.RunSucceeded || r.Attempt != 2 {
		t.Fatalf("orphan: %s attempt %d", r.State, r.Attempt)
	}
}

func TestTestIntegrationActsButRecordsNothing(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	in, err := h.e.Import(context.Background(), []byte(onboarding))
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.e.TestIntegration(context.Background(), in, person(9))
	if err != nil || len(out) != 1 || out[0].Error != nil || out[0].Output["outcome"] != "created" {
		t.Fatalf("test: %+v %v", out, err)
	}
	if _, ok := h.sim.UserByLogin("user9@acme.com"); !ok {
		t.Fatal("the test did not act on the org")
	}
	if counts, _ := h.store.RunCounts(); counts[storage.RunSucceeded]+counts[storage.RunQueued] != 0 {
		t.Fatalf("a test created runs: %v", counts)
	}
	out, _ = h.e.TestIntegration(context.Background(), in, map[string]any{"first_name": "A", "last_name": "B", "email": "bad"})
	if out[0].Error == nil || out[0].Error.Code != "E0000001" {
		t.Fatalf("Okta's error shown: %+v", out[0].Error)
	}
	prev := h.e.Preview(in, map[string]any{"first_name": "A"})
	if prev[0].Error == nil || !strings.Contains(prev[0].Error.Message, "trigger.") {
		t.Fatalf("preview: %+v", prev[0])
	}
}
