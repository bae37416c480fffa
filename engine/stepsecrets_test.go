package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// headerLog keeps the headers each path of a test API was called with.
type headerLog struct {
	mu   sync.Mutex
	seen map[string]http.Header
}

func (l *headerLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.seen[r.URL.Path] = r.Header.Clone()
	l.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"ok": true}`))
}

func (l *headerLog) get(path string) http.Header {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[path]
}

const notifyDoc = `{"name": "notify", "trigger": {"type": "manual"},
  "steps": [
    {"id": "notify", "action": "http.request", "fields": {"url": "API/notify",
       "authorization": "Bearer tok-SECRET-0123456789",
       "secret_headers": "X-Api-Key: key-SECRET-42\nX-Tenant: ten-SECRET-7",
       "headers": "{\"X-Source\": \"oktaflow\"}", "body": "{\"id\": 1}"}},
    {"id": "second", "action": "http.request", "fields": {"url": "API/second"}}]}`

// A step's literal secret values (http.request's authorization and secret
// headers) are moved into its sealed Secrets at save: never in the file in
// clear, never exported, masked for a viewer; a blank or masked value from
// an editor keeps the sealed one and a template replaces it; the runner
// sends them for their step only, and the stored run masks them.
func TestStepSecretsAreSealedAtSaveAndSentByTheirStepOnly(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true // the API below is on loopback
	log := &headerLog{seen: map[string]http.Header{}}
	api := httptest.NewServer(log)
	defer api.Close()
	ctx := context.Background()
	admin := h.e.Session("local:alice", RoleAdmin)
	res, err := admin.Import(ctx, []byte(strings.ReplaceAll(notifyDoc, "API", api.URL)))
	if err != nil {
		t.Fatal(err)
	}
	in := res.Integration
	st := in.Steps[0]
	if _, ok := st.Fields["authorization"]; ok || st.Fields["secret_headers"] != "" {
		t.Errorf("secret literals stayed in the fields: %v", st.Fields)
	}
	if st.Secrets["authorization"].Reveal() != "Bearer tok-SECRET-0123456789" || !strings.Contains(st.Secrets["secret_headers"].Reveal(), "X-Api-Key: key-SECRET-42") {
		t.Fatalf("secrets not sealed: %v", st.Secrets)
	}
	if raw, _ := json.Marshal(DocumentOf(in)); strings.Contains(string(raw), "SECRET") {
		t.Errorf("the export holds a step secret: %s", raw)
	}
	if doc, _ := admin.Export(in.ID); strings.Contains(mustJSON(t, doc), "SECRET") {
		t.Errorf("the session's export holds a step secret")
	}
	if raw, _ := os.ReadFile(h.store.Path()); strings.Contains(string(raw), "SECRET") {
		t.Error("the database file holds a step secret in clear")
	}
	viewed, err := h.e.Session("ssh:bob", RoleViewer).Integration(in.ID)
	if err != nil || !strings.HasPrefix(viewed.Steps[0].Secrets["authorization"].Reveal(), "••") || strings.Contains(viewed.Steps[0].Secrets["secret_headers"].Reveal(), "SECRET") {
		t.Errorf("a viewer sees the step's secrets: %v %v", viewed.Steps[0].Secrets, err)
	}

	// An editor saves back a blank authorization and a masked secret_headers.
	edited, _ := admin.Integration(in.ID)
	edited.Steps[0].Fields["authorization"] = ""
	edited.Steps[0].Secrets["secret_headers"] = storage.Secret(edited.Steps[0].Secrets["secret_headers"].Mask())
	delete(edited.Steps[0].Secrets, "authorization")
	if _, err := admin.SaveIntegration(ctx, edited); err != nil {
		t.Fatal(err)
	}
	kept, _ := h.store.Integration(in.ID)
	if kept.Steps[0].Secrets["authorization"].Reveal() != "Bearer tok-SECRET-0123456789" || !strings.Contains(kept.Steps[0].Secrets["secret_headers"].Reveal(), "key-SECRET-42") {
		t.Fatalf("a blank or masked value did not keep the sealed one: %v", kept.Steps[0].Secrets)
	}
	if _, ok := kept.Steps[0].Fields["authorization"]; ok {
		t.Errorf("the blank stayed in the fields: %v", kept.Steps[0].Fields)
	}

	h.start()
	runID, err := admin.RunNow(in.ID, map[string]any{"token": "from-the-event"})
	if err != nil {
		t.Fatal(err)
	}
	if counts := h.waitRuns(); counts[storage.RunSucceeded] != 1 {
		run, _ := h.store.Run(runID)
		t.Fatalf("run: %v %+v", counts, run)
	}
	got := log.get("/notify")
	if got.Get("Authorization") != "Bearer tok-SECRET-0123456789" || got.Get("X-Api-Key") != "key-SECRET-42" || got.Get("X-Tenant") != "ten-SECRET-7" || got.Get("X-Source") != "oktaflow" {
		t.Errorf("the step sent %v", got)
	}
	if other := log.get("/second"); other.Get("Authorization") != "" || other.Get("X-Api-Key") != "" {
		t.Errorf("another step got the secrets: %v", other)
	}
	run, _ := h.store.Run(runID)
	res0, _ := run.Step("notify")
	if res0.Input["authorization"] != "••••••••" || res0.Input["secret_headers"] != "••••••••" {
		t.Errorf("stored input: %v", res0.Input)
	}
	if raw, _ := json.Marshal(run); strings.Contains(string(raw), "SECRET") {
		t.Errorf("the stored run holds a secret: %s", raw)
	}

	// A template replaces the sealed value.
	edited, _ = admin.Integration(in.ID)
	edited.Steps[0].Fields["authorization"] = "Bearer {{ trigger.token }}"
	if _, err := admin.SaveIntegration(ctx, edited); err != nil {
		t.Fatal(err)
	}
	templ, _ := h.store.Integration(in.ID)
	if _, ok := templ.Steps[0].Secrets["authorization"]; ok || templ.Steps[0].Fields["authorization"] != "Bearer {{ trigger.token }}" {
		t.Errorf("a template did not replace the sealed value: %v %v", templ.Steps[0].Fields, templ.Steps[0].Secrets)
	}
	if _, err := admin.RunNow(in.ID, map[string]any{"token": "from-the-event"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return log.get("/notify").Get("Authorization") == "Bearer from-the-event" })
}

// A literal password of okta.add_user is sealed like any secret field
// (saving used to refuse it and ask for a template), and a literal header
// that looks like a credential in the plain headers is refused with the
// way to keep it secret.
func TestSecretFieldLiteralsAreSealedAndSecretLookingHeadersRefused(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	ctx := context.Background()
	doc := strings.Replace(onboarding, `"login": "{{ trigger.email }}"`, `"login": "{{ trigger.email }}", "password": "Welcome-SECRET-2026!"`, 1)
	in, err := h.e.Import(ctx, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if in.Steps[0].Secrets["password"].Reveal() != "Welcome-SECRET-2026!" || in.Steps[0].Fields["password"] != "" {
		t.Fatalf("password: fields %v secrets %v", in.Steps[0].Fields, in.Steps[0].Secrets)
	}
	out, err := h.e.TestIntegration(ctx, in, person(7))
	if err != nil || out[0].Error != nil || out[0].Input["password"] != "••••••••" {
		t.Fatalf("test: %+v %v", out, err)
	}
	if u, ok := h.sim.UserByLogin("user7@acme.com"); !ok || !u.HasPassword {
		t.Errorf("the sealed password did not reach Okta: %+v", u)
	}

	bad := `{"name": "n", "trigger": {"type": "manual"}, "steps": [{"id": "call", "action": "http.request",
	  "fields": {"url": "https://hr.example.com/x", "headers": "{\"X-Api-Key\": \"abc123\", \"X-Source\": \"o\"}"}}]}`
	_, err = h.e.Import(ctx, []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "steps[0].fields.headers") || !strings.Contains(err.Error(), "X-Api-Key") || !strings.Contains(err.Error(), "secret_headers") {
		t.Fatalf("a secret-looking plain header: %v", err)
	}
	badLines := `{"name": "n", "trigger": {"type": "manual"}, "steps": [{"id": "call", "action": "http.request",
	  "fields": {"url": "https://hr.example.com/x", "secret_headers": "X-Api-Key abc"}}]}`
	if _, err = h.e.Import(ctx, []byte(badLines)); err == nil || !strings.Contains(err.Error(), "steps[0].fields.secret_headers") || strings.Contains(err.Error(), "abc") {
		t.Fatalf("bad secret header lines: %v", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
