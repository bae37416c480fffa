package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oktaflow/oktaflow/okta/oktatest"
	"github.com/oktaflow/oktaflow/storage"
)

// A row a working CSV trigger skipped reaches whoever watches as it
// happens: the TriggerHealthChanged event of that poll carries the warning
// (before, the event went out before the warning was recorded, so a
// screen that reloaded on it showed nothing), and the store keeps it for
// the CLI and the next start.
func TestSkippedRowIsInTheHealthEventAndTheStore(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	file := filepath.Join(h.e.FeedsDir(), "hires.csv")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("id,email\nE1,a@acme.com\n"), 0o600)
	in := h.importOn(csvDoc("HR file", file))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := h.e.Subscribe(ctx)
	h.start()
	waitCursor(t, h, in.ID)

	appendTo(t, file, "E2\n") // line 3: one field of two
	hl := nextHealth(t, events, in.ID)
	for hl.LastError == "" {
		hl = nextHealth(t, events, in.ID)
	}
	if len(hl.Warnings) != 1 || hl.Warnings[0].Line != 3 || hl.Warnings[0].Reason != "bad_row" {
		t.Fatalf("the event that reports the bad row carries warnings %+v", hl.Warnings)
	}
	stored, err := h.store.TriggerHealth(in.ID)
	if err != nil || len(stored.Warnings) != 1 || stored.Warnings[0].File != "hires.csv" {
		t.Fatalf("stored health %+v (%v)", stored, err)
	}
}

// The start of a failing streak is stored with the health, so that after
// a restart "failing since" is still the first failure, not the latest.
func TestFailingSinceSurvivesARestart(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	h.e.opts.AllowPrivateAddresses = true
	api := newFlakyAPI(t)
	in := h.importOn(pollDoc(api.URL))
	api.status.Store(500)
	h.start()
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.Failures >= 3 })
	first := failingSince(h.e, in.ID)
	stored, _ := h.store.TriggerHealth(in.ID)
	if first.IsZero() || !stored.FailingSince.Equal(first) || !stored.LastErrorAt.After(first) {
		t.Fatalf("stored failing since %v, engine's %v, last error %v", stored.FailingSince, first, stored.LastErrorAt)
	}

	// Another engine over the same store: what a restart resumes from.
	e2, err := New(Options{Store: h.store})
	if err != nil {
		t.Fatal(err)
	}
	e2.health.resume(in.ID)
	if got := failingSince(e2, in.ID); !got.Equal(first) {
		t.Fatalf("after a restart failing since %v, want %v", got, first)
	}
}

// A poll that works again and skips a row says both in one health change:
// state ok with the warning, never an interim "failing" whose error is the
// skipped row (before, the warning's update ran before the recovery's).
func TestRecoveringPollWithAProblemIsOneHealthChange(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	dir := filepath.Join(h.e.FeedsDir(), "drop")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("id,email\nE1,a@acme.com\n"), 0o600)
	in := h.importOn(csvDoc("HR drop", dir))
	h.start()
	waitCursor(t, h, in.ID)
	os.RemoveAll(dir)
	waitUntil(t, func() bool { hl, _ := h.e.TriggerHealth(in.ID); return hl.State == TriggerFailing })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := h.e.Subscribe(ctx)
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("id,email\nE2\n"), 0o600) // line 2 is short
	for {
		hl := nextHealth(t, events, in.ID)
		if hl.State == TriggerFailing && len(hl.Warnings) > 0 {
			t.Fatalf("an interim failing health carries the recovery's warning: %+v", hl)
		}
		if hl.State == TriggerOK {
			if len(hl.Warnings) == 0 || hl.Warnings[0].File != "b.csv" {
				t.Fatalf("the recovery's health lacks the skipped row: %+v", hl)
			}
			return
		}
	}
}

// A file rewritten to fix a skipped row: the row fires, its warning goes
// (the file is read again from its start, so a row still bad is found
// again), and the rewrite itself is news, not a warning or an error.
func TestFixingASkippedRowClearsItsWarning(t *testing.T) {
	h := newHarness(t, oktatest.Options{})
	file := filepath.Join(h.e.FeedsDir(), "hires.csv")
	os.MkdirAll(filepath.Dir(file), 0o700)
	os.WriteFile(file, []byte("id,email\nE1,a@acme.com\n"), 0o600)
	in := h.importOn(csvDoc("HR file", file))
	h.start()
	waitCursor(t, h, in.ID)
	appendTo(t, file, "E2\n")
	waitUntil(t, func() bool { return len(h.e.TriggerWarnings(in.ID)) == 1 })
	os.WriteFile(file, []byte("id,email\nE1,a@acme.com\nE2,b@acme.com\n"), 0o600)
	waitUntil(t, func() bool { c := h.waitRuns(); return c[storage.RunSucceeded]+c[storage.RunFailed] >= 1 })
	waitUntil(t, func() bool { return len(h.e.TriggerWarnings(in.ID)) == 0 })
	hl, _ := h.store.TriggerHealth(in.ID)
	if len(hl.Warnings) != 0 || strings.Contains(hl.LastError, "rewritten") {
		t.Fatalf("after the fix: %+v", hl)
	}
}

// nextHealth is the health of the next TriggerHealthChanged event of an
// integration (the test fails after 30 s without one).
func nextHealth(t *testing.T, events <-chan Event, id string) *TriggerHealth {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Kind == TriggerHealthChanged && ev.IntegrationID == id && ev.Health != nil {
				return ev.Health
			}
		case <-deadline:
			t.Fatal("no trigger health event")
			return nil
		}
	}
}
