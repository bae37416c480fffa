package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// TestCSVTriggerFiresOnlyForNewRows runs a CSV integration through the
// engine's poller: rows present when it is switched ON are a baseline, a
// row appended later becomes a user.
func TestCSVTriggerFiresOnlyForNewRows(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	feed := filepath.Join(h.e.FeedsDir(), "hr.csv") // CSV paths must sit in the feeds folder
	os.MkdirAll(h.e.FeedsDir(), 0o700)
	os.WriteFile(feed, []byte("employee_id,first,last,email\nE1,Old,Timer,old@acme.com\n"), 0o600)
	doc := fmt.Sprintf(`{"name": "HR feed", "trigger": {"type": "csv", "config": {"path": %q, "key_column": "employee_id"}},
	  "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
	    "fields": {"firstName": "{{ trigger.first }}", "lastName": "{{ trigger.last }}", "email": "{{ trigger.email }}", "login": "{{ trigger.email }}"}}]}`, feed)
	in := h.importOn(doc)
	h.start()
	waitCursor(t, h, in.ID) // the baseline poll has run

	f, _ := os.OpenFile(feed, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("E2,New,Hire,new.hire@acme.com\n")
	f.Close()
	waitUser(t, h, "new.hire@acme.com")
	h.waitRuns()
	counts, _ := h.store.RunCounts()
	if counts[storage.RunSucceeded] != 1 {
		t.Fatalf("runs %v: only the new row may fire", counts)
	}
	if _, ok := h.sim.UserByLogin("old@acme.com"); ok {
		t.Fatal("a row from before the switch ON fired")
	}
}

func waitCursor(t *testing.T, h *harness, id string) {
	t.Helper()
	waitUntil(t, func() bool {
		c, _ := h.store.Cursor(id)
		return strings.Contains(c, "files")
	})
}

func waitUser(t *testing.T, h *harness, login string) {
	t.Helper()
	waitUntil(t, func() bool { _, ok := h.sim.UserByLogin(login); return ok })
}

// A CSV trigger switched ON before its file exists: when the file appears,
// all its rows fire (before, the first poll after it appeared took them
// as the baseline of "from now"). Meanwhile its health says the file is
// not there yet.
func TestCSVFileThatAppearsAfterSwitchOnFiresEveryRow(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	feed := filepath.Join(h.e.FeedsDir(), "hr.csv")
	os.MkdirAll(h.e.FeedsDir(), 0o700)
	doc := fmt.Sprintf(`{"name": "HR feed", "trigger": {"type": "csv", "config": {"path": %q, "key_column": "employee_id"}},
	  "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
	    "fields": {"firstName": "{{ trigger.first }}", "lastName": "{{ trigger.last }}", "email": "{{ trigger.email }}", "login": "{{ trigger.email }}"}}]}`, feed)
	in := h.importOn(doc)
	h.start()
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return !hl.LastErrorAt.IsZero() }) // a poll found no file
	if ws := h.e.TriggerWarnings(in.ID); len(ws) != 1 || ws[0].Reason != "file_not_found" || !ws[0].Standing || !strings.Contains(ws[0].Message, "does not exist yet") {
		t.Errorf("warnings while the file is missing: %+v", ws)
	}
	if m := getBody(t, h.http.URL+"/metrics"); !strings.Contains(m, fmt.Sprintf(`oktaflow_trigger_problems_total{integration=%q,reason="file_not_found"} 1`, in.ID)) {
		t.Error("the missing file is not counted once as file_not_found")
	}
	os.WriteFile(feed, []byte("employee_id,first,last,email\nE1,Ada,One,ada@acme.com\nE2,Bo,Two,bo@acme.com\n"), 0o600)
	waitUser(t, h, "ada@acme.com")
	waitUser(t, h, "bo@acme.com")
	if ws := h.e.TriggerWarnings(in.ID); len(ws) != 0 {
		t.Errorf("warnings once the file is there: %+v", ws)
	}
}

// Switching ON or resetting with --from a CSV trigger reads again the
// files modified at or after that time (before, --from was ignored: every
// file was a baseline). Rows seen before are dropped by the dedupe; rows
// never seen fire.
func TestCSVFromRereadsFilesModifiedSince(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	drop := filepath.Join(h.e.FeedsDir(), "drop")
	os.MkdirAll(drop, 0o700)
	now := time.Now()
	write := func(name, text string, age time.Duration) {
		path := filepath.Join(drop, name)
		os.WriteFile(path, []byte(text), 0o600)
		os.Chtimes(path, now.Add(-age), now.Add(-age))
	}
	write("old.csv", "employee_id,first,last,email\nE1,Old,Timer,old@acme.com\n", 3*time.Hour)
	write("missed.csv", "employee_id,first,last,email\nE2,Missed,Row,missed@acme.com\n", time.Hour)
	doc := fmt.Sprintf(`{"name": "HR drop", "trigger": {"type": "csv", "config": {"path": %q, "key_column": "employee_id"}},
	  "steps": [{"id": "create", "action": "okta.add_user", "account": "sandbox",
	    "fields": {"firstName": "{{ trigger.first }}", "lastName": "{{ trigger.last }}", "email": "{{ trigger.email }}", "login": "{{ trigger.email }}"}}]}`, drop)
	in, err := h.e.Import(context.Background(), []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	// Switched ON from two hours ago: old.csv is the baseline, missed.csv is read.
	if _, err := h.e.SetEnabled(context.Background(), in.ID, true, now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	h.start()
	waitUser(t, h, "missed@acme.com")

	// Reset from four hours ago, after a file dated then was copied in while
	// the poller stood still: all three files are read again (the rows seen
	// before are duplicates), and the copied one's row fires.
	h.e.withPollerStopped(in.ID, func() error {
		write("copied.csv", "employee_id,first,last,email\nE3,Copied,In,copied@acme.com\n", 150*time.Minute)
		return nil
	})
	if _, err := h.e.ResetTrigger(context.Background(), in.ID, now.Add(-4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitUser(t, h, "copied@acme.com")
	h.waitRuns()
	if _, ok := h.sim.UserByLogin("old@acme.com"); ok {
		t.Fatal("a row of the baseline fired")
	}
	counts, _ := h.store.RunCounts()
	if n := counts[storage.RunSucceeded]; n != 2 {
		t.Fatalf("%d runs succeeded; want missed and copied once each", n)
	}
}
