package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

func hrDoc(path string) string {
	return fmt.Sprintf(`{"name": "HR feed", "trigger": {"type": "csv", "config": {"path": %q, "key_column": "employee_id"}},
	  "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
	    "fields": {"firstName": "{{ trigger.first }}", "lastName": "{{ trigger.last }}", "email": "{{ trigger.email }}", "login": "{{ trigger.email }}"}}]}`, path)
}

// Pointing an ON CSV trigger at another file starts it from now, like
// switching ON: the rows the new file already holds are a baseline, only a
// row added later fires. Without the re-baseline the old cursor does not
// know the new file and its existing rows replay.
func TestEditingTheSourceWhileOnRebaselines(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	feeds := h.e.FeedsDir()
	os.MkdirAll(feeds, 0o700)
	a, b := filepath.Join(feeds, "a.csv"), filepath.Join(feeds, "b.csv")
	os.WriteFile(a, []byte("employee_id,first,last,email\nE1,Ann,Old,ann@acme.com\n"), 0o600)
	os.WriteFile(b, []byte("employee_id,first,last,email\nE7,Bob,Old,bob@acme.com\nE8,Cy,Old,cy@acme.com\n"), 0o600)
	in := h.importOn(hrDoc(a))
	h.start()
	waitCursor(t, h, in.ID)
	before, _ := h.store.Integration(in.ID)
	s := h.e.Session("local:alice", RoleAdmin)

	// A change that is not the source (the poll interval) keeps the position.
	stored, _ := s.Integration(in.ID)
	stored.Trigger.Config["poll_interval"] = "10s"
	res, err := s.SaveIntegration(context.Background(), stored)
	if err != nil || res.Rebaselined {
		t.Fatalf("poll interval: %+v %v", res, err)
	}
	if c, _ := h.store.Cursor(in.ID); c == "" {
		t.Fatal("an edit of the poll interval forgot the cursor")
	}

	stored, _ = s.Integration(in.ID)
	stored.Trigger.Config["path"] = b
	res, err = s.SaveIntegration(context.Background(), stored)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rebaselined || !res.Integration.EnabledAt.After(before.EnabledAt) {
		t.Fatalf("not re-baselined: %+v", res)
	}
	if last, _ := h.store.Audit(0, 1); !strings.Contains(last[0].Detail, "from now") {
		t.Errorf("the audit entry does not say so: %+v", last[0])
	}
	waitUntil(t, func() bool { c, _ := h.store.Cursor(in.ID); return strings.Contains(c, "b.csv") })
	f, _ := os.OpenFile(b, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("E9,New,Hire,new.hire@acme.com\n")
	f.Close()
	waitUser(t, h, "new.hire@acme.com")
	h.waitRuns()
	for _, login := range []string{"bob@acme.com", "cy@acme.com", "ann@acme.com"} {
		if _, ok := h.sim.UserByLogin(login); ok {
			t.Errorf("%s, a row from before the edit, fired", login)
		}
	}
}

func TestResetTrigger(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	os.MkdirAll(h.e.FeedsDir(), 0o700)
	feed := filepath.Join(h.e.FeedsDir(), "a.csv")
	os.WriteFile(feed, []byte("employee_id,first,last,email\n"), 0o600)
	in := h.importOn(hrDoc(feed))
	cur := "files:x"
	if _, err := h.store.EnqueueEvents(in.ID, nil, storage.EnqueueOptions{Cursor: &cur}); err != nil {
		t.Fatal(err)
	}
	s := h.e.Session("local:alice", RoleAdmin)
	from := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	got, err := s.ResetTrigger(context.Background(), in.ID, from)
	if err != nil || !got.EnabledAt.Equal(from) {
		t.Fatalf("%+v %v", got, err)
	}
	// The old position is forgotten; a CSV trigger starts from its rewind
	// cursor (files modified since --from are read again).
	if c, _ := h.store.Cursor(in.ID); c == cur || !strings.Contains(c, `"from":`) {
		t.Errorf("cursor %q after the reset", c)
	}
	if last, _ := h.store.Audit(0, 1); last[0].Action != "integration.reset_trigger" || !strings.Contains(last[0].Detail, "2026-11-01T09:00:00Z") {
		t.Errorf("audit %+v", last[0])
	}
	if _, err := h.e.SetEnabled(context.Background(), in.ID, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResetTrigger(context.Background(), in.ID, time.Time{}); !errors.Is(err, storage.ErrIntegrationOff) {
		t.Errorf("OFF: %v", err)
	}
}

func TestSourceChanged(t *testing.T) {
	csv := func(kv ...any) storage.Trigger {
		cfg := map[string]any{"path": "/feeds/a.csv", "key_column": "id", "poll_interval": "30s"}
		for i := 0; i+1 < len(kv); i += 2 {
			cfg[kv[i].(string)] = kv[i+1]
		}
		return storage.Trigger{Type: "csv", Config: cfg}
	}
	for _, tc := range []struct {
		name     string
		old, new storage.Trigger
		want     bool
	}{
		{"same", csv(), csv(), false},
		{"poll interval", csv(), csv("poll_interval", "5m"), false},
		{"another file", csv(), csv("path", "/feeds/b.csv"), true},
		{"another key column", csv(), csv("key_column", "email"), true},
		{"a new setting", csv(), csv("encoding", "windows-1252"), true},
		{"another type", csv(), storage.Trigger{Type: "http_poll", Config: map[string]any{"url": "https://x"}}, true},
		{"a webhook has no source", storage.Trigger{Type: "webhook"}, storage.Trigger{Type: "webhook", Config: map[string]any{"x": 1}}, false},
		{"kissflow process", storage.Trigger{Type: "kissflow", Config: map[string]any{"process_id": "A"}},
			storage.Trigger{Type: "kissflow", Config: map[string]any{"process_id": "B"}}, true},
		{"kissflow walk cadence", storage.Trigger{Type: "kissflow", Config: map[string]any{"process_id": "A"}},
			storage.Trigger{Type: "kissflow", Config: map[string]any{"process_id": "A", "full_walk_every": "1h"}}, false},
		{"okta account", storage.Trigger{Type: "okta_event", Config: map[string]any{"account": "a"}},
			storage.Trigger{Type: "okta_event", Config: map[string]any{"account": "b"}}, true},
	} {
		if got := sourceChanged(tc.old, tc.new); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}
