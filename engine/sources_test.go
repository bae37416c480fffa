package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

func csvIntegration(path string) storage.Integration {
	return storage.Integration{Name: "HR feed",
		Trigger: storage.Trigger{Type: "csv", Config: map[string]any{"path": path, "key_column": "id"}},
		Steps: []storage.Step{{ID: "find", Action: "okta.get_user", Account: "sandbox",
			Fields: map[string]string{"login": "{{ trigger.email }}"}}}}
}

func pollIntegration(url string) storage.Integration {
	return storage.Integration{Name: "API",
		Trigger: storage.Trigger{Type: "http_poll", Config: map[string]any{"url": url, "id_field": "id"}},
		Steps: []storage.Step{{ID: "find", Action: "okta.get_user", Account: "sandbox",
			Fields: map[string]string{"login": "{{ trigger.email }}"}}}}
}

// problemAt returns the message of the problem at path, or "".
func problemAt(err error, path string) string {
	var ps Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			if p.Path == path {
				return p.Msg
			}
		}
	}
	return ""
}

func TestCSVPathsMustSitInTheFeedsFolder(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	feeds := h.e.FeedsDir()
	if want := filepath.Join(filepath.Dir(h.store.Path()), "feeds"); feeds != want {
		t.Fatalf("feeds folder %s, want %s beside the database", feeds, want)
	}
	os.MkdirAll(filepath.Join(feeds, "hr"), 0o700)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("id\n1\n"), 0o600)
	os.Symlink(outside, filepath.Join(feeds, "escape"))
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{filepath.Join(feeds, "hr", "new.csv"), true},
		{filepath.Join(feeds, "hr"), true},
		{"hr/new.csv", true}, // relative: inside the feeds folder
		{filepath.Join(outside, "secret.csv"), false},
		{"/etc/passwd", false},
		{filepath.Join(feeds, "..", "oktaflow.db"), false},
		{"../oktaflow.db", false},
		{filepath.Join(feeds, "escape", "secret.csv"), false}, // a link out of the folder
		{feeds, true},
	} {
		err := h.e.ValidateIntegration(csvIntegration(tc.path))
		msg := problemAt(err, "trigger.config.path")
		if tc.ok && msg != "" {
			t.Errorf("%s refused: %s", tc.path, msg)
		}
		if !tc.ok && !strings.Contains(msg, feeds) {
			t.Errorf("%s: %q, want a refusal naming the feeds folder", tc.path, msg)
		}
	}
	// Saved, a relative path is kept as the full path the poller opens.
	saved, err := h.e.SaveIntegration(context.Background(), csvIntegration("hr/new.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.Trigger.Config["path"]; got != filepath.Join(feeds, "hr", "new.csv") {
		t.Errorf("saved path %v", got)
	}
	// A sample of a draft reads no file outside the folder either.
	if _, err := h.e.Sample(context.Background(), csvIntegration(filepath.Join(outside, "secret.csv"))); err == nil || !strings.Contains(err.Error(), feeds) {
		t.Errorf("sample outside the feeds folder: %v", err)
	}
}

func TestHTTPPollToPrivateAddressesNeedsAnAllow(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	refused := []string{
		"http://127.0.0.1:8780/hooks", "http://localhost/items", "http://api.localhost/x", "http://[::1]/x",
		"http://169.254.169.254/latest/meta-data", "http://10.1.2.3/x", "https://192.168.0.10/x", "http://172.16.5.4/x",
		"http://0.0.0.0:9000/x", "http://[fd00::1]/x", "http://[::ffff:127.0.0.1]/x", "http://[fe80::1]/x", "http://100.64.0.1/x",
		"http://2130706433/x", // 127.0.0.1 as one number
	}
	for _, u := range refused {
		msg := problemAt(h.e.ValidateIntegration(pollIntegration(u)), "trigger.config.url")
		if !strings.Contains(msg, "allow") {
			t.Errorf("%s: %q, want a refusal saying how to allow it", u, msg)
		}
	}
	for _, u := range []string{"https://api.example.com/items", "https://93.184.216.34/x", "http://[2606:4700::1]/x"} {
		if msg := problemAt(h.e.ValidateIntegration(pollIntegration(u)), "trigger.config.url"); msg != "" {
			t.Errorf("%s refused: %s", u, msg)
		}
	}
	h.e.opts.AllowPrivateAddresses = true
	for _, u := range refused {
		if msg := problemAt(h.e.ValidateIntegration(pollIntegration(u)), "trigger.config.url"); msg != "" {
			t.Errorf("allowed, yet %s refused: %s", u, msg)
		}
	}
}

// Every http_poll header value and every secret-looking query parameter is
// sealed like the authorization field: in clear only in the poller's
// request, never in the database file, an export, or a viewer's read. What
// is secret is trigger.SplitSecrets' rule: the headers as a whole, and the
// secret-looking query parameters moved to secret_query.
func TestHTTPPollHeadersAndQuerySecretsAreSealed(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true // the API below is on loopback
	var got *http.Request
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Write([]byte(`[{"id": 1, "email": "ada@acme.com"}]`))
	}))
	defer api.Close()
	ctx := context.Background()
	in := pollIntegration(api.URL + "/items?page=1")
	in.Trigger.Config["secret_query"] = "api_key: sek-0123456789\naccess_token: tok-0123456789"
	in.Trigger.Config["headers"] = "X-Api-Key: k-0123456789\nAccept: application/json"
	saved, err := h.e.SaveIntegration(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	clear := []string{"sek-0123456789", "tok-0123456789", "k-0123456789"}
	for _, k := range []string{"headers", "secret_query"} {
		if saved.Trigger.Secrets[k].IsZero() {
			t.Errorf("%s is not sealed: %v", k, saved.Trigger.Config)
		}
	}
	doc, _ := json.Marshal(DocumentOf(saved))
	viewerRead, _ := h.e.Session("ssh:v", RoleViewer).Integration(saved.ID)
	for _, c := range clear {
		if strings.Contains(string(doc), c) {
			t.Errorf("the export holds %q: %s", c, doc)
		}
		if strings.Contains(fmt.Sprint(saved.Trigger.Config), c) {
			t.Errorf("the plain config holds %q: %v", c, saved.Trigger.Config)
		}
		for _, s := range viewerRead.Trigger.Secrets {
			if strings.Contains(s.Reveal(), c) {
				t.Errorf("a viewer reads %q", c)
			}
		}
	}
	if !strings.Contains(string(doc), "page=1") {
		t.Errorf("the export lost the plain parts: %s", doc)
	}
	// The poller sends them.
	if _, err := h.e.Sample(ctx, saved); err != nil {
		t.Fatal(err)
	}
	if got.Header.Get("X-Api-Key") != "k-0123456789" || got.Header.Get("Accept") != "application/json" ||
		got.URL.Query().Get("api_key") != "sek-0123456789" || got.URL.Query().Get("access_token") != "tok-0123456789" || got.URL.Query().Get("page") != "1" {
		t.Errorf("request: %v %v", got.Header, got.URL)
	}
	// Saved back as the editor has it (secret values blank), the secrets
	// stay; a new value replaces them.
	again := saved
	again.Trigger.Config = map[string]any{"url": saved.Trigger.Config["url"], "id_field": "id",
		"headers": "", "secret_query": ""}
	again, err = h.e.SaveIntegration(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(again.Trigger.Secrets["headers"].Reveal(), "k-0123456789") || !strings.Contains(again.Trigger.Secrets["secret_query"].Reveal(), "sek-0123456789") {
		t.Error("secrets lost on a save with blank values")
	}
	again.Trigger.Config["headers"] = "X-New: n-0123456789"
	again, err = h.e.SaveIntegration(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if h := again.Trigger.Secrets["headers"].Reveal(); h != "X-New: n-0123456789" {
		t.Errorf("a new value did not replace the headers: %q", h)
	}
	raw, err := os.ReadFile(h.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range clear {
		if strings.Contains(string(raw), c) {
			t.Errorf("the database file holds %q in clear", c)
		}
	}
}

// An integration switched ON before the source policy existed (its CSV
// path outside the feeds folder, its API on loopback) is refused at every
// poll start, as a failing trigger that says why; it never reads the
// source silently.
func TestPollersEnforceTheSourcePolicyOnIntegrationsAlreadyOn(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	outside := t.TempDir()
	path := filepath.Join(outside, "hr.csv")
	os.WriteFile(path, []byte("id,email\n1,a@acme.com\n"), 0o600)
	var called atomic.Bool
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called.Store(true); w.Write([]byte(`[]`)) }))
	defer api.Close()
	var ids []string
	for _, in := range []storage.Integration{csvIntegration(path), pollIntegration(api.URL + "/people")} {
		// Stored as an older oktaflow saved it: no check at save or at ON.
		saved, err := h.store.CreateIntegration(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.SetEnabled(saved.ID, true, time.Time{}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, saved.ID)
	}
	h.start()
	for i, want := range []string{"outside the feeds folder", "private"} {
		waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(ids[i]); return hl.State == TriggerFailing })
		hl, _ := h.e.TriggerHealth(ids[i])
		if !strings.Contains(hl.LastError, "source policy") || !strings.Contains(hl.LastError, want) {
			t.Errorf("integration %d: health %+v, want the policy's reason (%q)", i, hl, want)
		}
	}
	if called.Load() {
		t.Error("the API on loopback was called")
	}
	if counts, _ := h.store.RunCounts(); len(counts) > 0 && counts[storage.RunQueued]+counts[storage.RunSucceeded] > 0 {
		t.Errorf("a refused source fired runs: %v", counts)
	}
}
