package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/engine/trigger"
	"github.com/oktaflow/oktaflow/storage"
)

// openTriggerType opens the trigger form of a draft on the settings of typ.
func openTriggerType(t *testing.T, c *Common, d *draft, typ string) Screen {
	t.Helper()
	s := Screen(newTriggerForm(c, d))
	s, _ = runCmd(t, s, s.Init())
	for i, spec := range trigger.Specs() {
		if spec.Type == typ {
			for range i {
				s, _ = press(t, s, "down")
			}
			break
		}
	}
	return afKeys(s, "enter")
}

// triggerDone runs ctrl+s and reports whether the form closed.
func triggerDone(t *testing.T, s Screen) (Screen, bool) {
	t.Helper()
	s, msgs := press(t, s, "ctrl+s")
	return s, runsPopped(msgs)
}

func TestTriggerFormChecksEachSettingAsTyped(t *testing.T) {
	c, _ := newTestCommon(t)
	d := newDraft(storage.Integration{Name: "x"})
	s := openTriggerType(t, c, d, trigger.Kissflow)
	if v := ansi.Strip(s.View()); !strings.Contains(v, "Process ID") {
		t.Fatalf("not the Kissflow settings:\n%s", v)
	}
	// Move to the page size and type what the old form let through.
	for !strings.Contains(ansi.Strip(s.View()), "┃ Page size") {
		if s = afKeys(s, "tab"); strings.Contains(ansi.Strip(s.View()), "is required") {
			s = afKeys(s, "P_01", "tab") // the process id is required to move on
		}
	}
	s = afKeys(s, "5abc")
	if v := ansi.Strip(s.View()); !strings.Contains(v, `✗ "5abc" is not a whole number`) {
		t.Errorf("the page size is not checked as typed:\n%s", v)
	}
	if _, closed := triggerDone(t, s); closed {
		t.Fatal("ctrl+s kept a page size of 5abc")
	}
	if d.in.Trigger.Type != "" {
		t.Errorf("the draft took a bad trigger: %+v", d.in.Trigger)
	}
}

func TestTriggerFormWebhookAndOktaEvent(t *testing.T) {
	c, _ := newTestCommon(t)
	d := newDraft(storage.Integration{Name: "x"})
	s := openTriggerType(t, c, d, trigger.Webhook)
	if _, closed := triggerDone(t, s); !closed {
		t.Fatalf("ctrl+s does not keep the webhook settings:\n%s", ansi.Strip(s.View()))
	}
	if d.in.Trigger.Type != trigger.Webhook || len(d.in.Trigger.Secrets["secret"].Reveal()) < 16 {
		t.Errorf("webhook trigger %+v", d.in.Trigger)
	}

	d = newDraft(storage.Integration{Name: "y"})
	s = openTriggerType(t, c, d, trigger.OktaEvent)
	v := ansi.Strip(s.View())
	for _, want := range []string{"Okta account", "▸ sandbox", "[x] user.lifecycle.create", "user.lifecycle.deactivate"} {
		if !strings.Contains(v, want) {
			t.Errorf("the okta event settings lack %q:\n%s", want, v)
		}
	}
	// Pick deactivate too: tab to the event types, down twice, space.
	s = afKeys(s, "tab", "down", "down", "space")
	if _, closed := triggerDone(t, s); !closed {
		t.Fatalf("ctrl+s does not keep the settings:\n%s", ansi.Strip(s.View()))
	}
	got := configText(trigger.Field{}, d.in.Trigger.Config["event_types"])
	if d.in.Trigger.Config["account"] != "sandbox" || got != "user.lifecycle.create, user.lifecycle.deactivate" {
		t.Errorf("okta event trigger %+v (event types %q)", d.in.Trigger.Config, got)
	}
}

// A CSV trigger's key column is picked from the file's own header, once
// its path is typed (issue 9: pickers instead of free text).
func TestTriggerFormPicksTheCSVKeyColumn(t *testing.T) {
	c, _ := newTestCommon(t)
	dir := eng(c).FeedsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hires.csv"), []byte("employee_id,first_name,email\nE1,Ada,ada@acme.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDraft(storage.Integration{Name: "x"})
	s := openTriggerType(t, c, d, trigger.CSV)
	s = afKeys(s, filepath.Join(dir, "hires.csv"))
	s, _ = press(t, s, "tab") // leaving the path reads the file's header, by a command
	v := ansi.Strip(s.View())
	for _, want := range []string{"the columns of", "employee_id", "first_name", "none: a row is known by all its values"} {
		if !strings.Contains(v, want) {
			t.Errorf("the key column picker lacks %q:\n%s", want, v)
		}
	}
	s = afKeys(s, "down", "enter") // employee_id
	if _, closed := triggerDone(t, s); !closed {
		t.Fatalf("ctrl+s does not keep the settings:\n%s", ansi.Strip(s.View()))
	}
	if got := d.in.Trigger.Config["key_column"]; got != "employee_id" {
		t.Errorf("key column %v, want employee_id (config %v)", got, d.in.Trigger.Config)
	}
}

// A trigger type with no settings (manual) closes the form at once; the
// frame drawn before the screen pops must not need a form (it panicked).
func TestTriggerFormOfATypeWithoutSettings(t *testing.T) {
	c, _ := newTestCommon(t)
	d := newDraft(storage.Integration{Name: "x"})
	s := openTriggerType(t, c, d, trigger.Manual)
	s.SetSize(80, 20)
	// The frame drawn before the pop lands is still the list of types (the
	// one just chosen selected), not a settings page with nothing in it.
	if v := ansi.Strip(s.View()); !strings.Contains(v, "What starts this integration?") || !strings.Contains(v, "▸ When I run it") {
		t.Errorf("the frame before the pop is not the types list:\n%s", v)
	}
	if d.in.Trigger.Type != trigger.Manual {
		t.Errorf("the draft's trigger is %q", d.in.Trigger.Type)
	}
	s.Update(keyMsg("x")) // a key before the pop lands is ignored, not a panic
}

// The trigger form keeps a source the engine would refuse at save (a CSV
// file outside the feeds folder) and says why there, not at the review
// step at the end of the wizard; the feeds folder is named as the path is
// typed.
func TestTriggerFormRefusesAFileOutsideTheFeedsFolder(t *testing.T) {
	c, _ := newTestCommon(t)
	d := newDraft(storage.Integration{Name: "x"})
	s := openTriggerType(t, c, d, trigger.CSV)
	if v := ansi.Strip(s.View()); !strings.Contains(v, eng(c).FeedsDir()) {
		t.Errorf("the path's help does not name the feeds folder %s:\n%s", eng(c).FeedsDir(), v)
	}
	s = afKeys(s, "/etc/passwd")
	s, closed := triggerDone(t, s)
	if closed {
		t.Fatalf("ctrl+s kept a file outside the feeds folder: %+v", d.in.Trigger)
	}
	if v := ansi.Strip(s.View()); !strings.Contains(v, "outside the feeds folder") {
		t.Errorf("the form does not say why it kept the file:\n%s", v)
	}
	if d.in.Trigger.Type != "" {
		t.Errorf("the draft took the refused trigger: %+v", d.in.Trigger)
	}
}

// The feeds-folder rule is checked as the path is typed (the README's
// "checked as you type by the rule save applies"), not only at ctrl+s.
func TestTriggerFormChecksTheFeedsFolderAsYouType(t *testing.T) {
	c, _ := newTestCommon(t)
	d := newDraft(storage.Integration{Name: "x"})
	s := openTriggerType(t, c, d, trigger.CSV)
	s = afKeys(s, "../../../etc/passwd")
	if v := ansi.Strip(s.View()); !strings.Contains(v, "outside the feeds folder") {
		t.Errorf("typing a path outside the feeds folder says nothing:\n%s", v)
	}
	s = afKeys(s, "ctrl+u")
	s = afKeys(s, "hires.csv")
	if v := ansi.Strip(s.View()); strings.Contains(v, "outside the feeds folder") {
		t.Errorf("a name in the feeds folder is refused:\n%s", v)
	}
}
