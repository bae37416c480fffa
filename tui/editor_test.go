package tui

import (
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
)

// clipboard runs what a key returned and gives the text it put on the
// terminal's clipboard (OSC 52), and the toast.
func clipboard(t *testing.T, s Screen, k string) (text, note string) {
	t.Helper()
	next, cmd := s.Update(keyMsg(k))
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := execCmd(t, c).(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case toastMsg:
			note = m.text
		case copiedMsg:
			var cmd tea.Cmd
			next, cmd = next.Update(m)
			queue = append(queue, cmd)
		default:
			if reflect.TypeOf(m) != nil && reflect.TypeOf(m).Name() == "setClipboardMsg" {
				text = reflect.ValueOf(m).String()
			}
		}
	}
	return text, note
}

// The webhook's URL, its curl command (with the secret and the
// integration's own sample) and the secret are copied with one key each;
// the secret is read through the session (audited), a viewer gets the
// command with a place for the secret and no secret.
func TestEditorCopiesTheWebhook(t *testing.T) {
	c, _ := newTestCommon(t)
	ins := seedIntegrations(t, c)
	ed := newEditor(c, ins[0])
	ed.d.sample = map[string]any{"email": "grace@acme.com"}
	var s Screen = ed
	if text, note := clipboard(t, s, "u"); !strings.HasSuffix(text, "/hooks/"+ins[0].ID) || !strings.Contains(note, "webhook URL") {
		t.Errorf("u copied %q (%q)", text, note)
	}
	text, _ := clipboard(t, s, "c")
	for _, want := range []string{"curl -X POST", "/hooks/" + ins[0].ID, "Bearer golden-secret-0123456789", `{"email":"grace@acme.com"}`} {
		if !strings.Contains(text, want) {
			t.Errorf("the curl command lacks %q:\n%s", want, text)
		}
	}
	if text, _ := clipboard(t, s, "y"); text != "golden-secret-0123456789" {
		t.Errorf("y copied %q", text)
	}
	if !acctAudited(t, c, "integration.show_secret") {
		t.Error("reading the secret was not audited")
	}

	asRole(c, Viewer)
	in, err := c.Backend.Integration(ins[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	s = newEditor(c, in)
	if text, _ := clipboard(t, s, "c"); strings.Contains(text, "golden-secret") || !strings.Contains(text, "Bearer <secret>") {
		t.Errorf("a viewer copied %q", text)
	}
	if text, note := clipboard(t, s, "y"); text != "" || !strings.Contains(note, "viewer") {
		t.Errorf("a viewer copied the secret %q (%q)", text, note)
	}
}

// What an ON trigger skipped (a CSV row that does not parse, a file in a
// folder) shows on its page in the editor, not only in /healthz: the
// newest few, with file and line, and a count of the rest.
func TestEditorShowsWhatTheTriggerSkipped(t *testing.T) {
	c, _ := newTestCommon(t)
	in := seedIntegrations(t, c)[0]
	in.Enabled = true
	ed := newEditor(c, in)
	ed.SetSize(100, 40)
	msg := healthMsg{storage.TriggerHealth{State: storage.HealthOK, Warnings: []storage.TriggerWarning{
		{Reason: "bad_row", File: "hires.csv", Line: 7, Message: "the row has 3 fields; the header has 4"},
		{Reason: "bad_row", File: "hires.csv", Line: 9, Message: "not UTF-8"},
		{Reason: "bad_file", File: "old.csv", Message: "no header"},
		{Reason: "bad_row", File: "hires.csv", Line: 12, Message: "an open quote"},
	}}}
	s, _ := ed.Update(msg)
	v := plain(s)
	for _, want := range []string{"⚠ 4 items skipped or waiting", "hires.csv line 7: the row has 3 fields", "old.csv: no header", "… and 1 more"} {
		if !strings.Contains(v, want) {
			t.Errorf("the trigger's page lacks %q:\n%s", want, v)
		}
	}
}

// The health event of the poll that skipped a row carries the warning, so
// the trigger's page shows it as it happens (before, the page re-read the
// warnings on that event, which the engine recorded only afterwards).
func TestEditorShowsASkippedRowFromTheHealthEvent(t *testing.T) {
	c, _ := newTestCommon(t)
	in := seedIntegrations(t, c)[0]
	in.Enabled = true
	ed := newEditor(c, in)
	ed.SetSize(100, 40)
	h := storage.TriggerHealth{State: storage.HealthOK, LastError: "hires.csv line 3: an open quote", Warnings: []storage.TriggerWarning{
		{Reason: "bad_row", File: "hires.csv", Line: 3, Message: "an open quote"}}}
	s, _ := ed.Update(engineEventMsg{engine.Event{Kind: engine.TriggerHealthChanged, IntegrationID: in.ID, Health: &h}})
	if v := plain(s); !strings.Contains(v, "⚠ 1 item skipped or waiting") || !strings.Contains(v, "hires.csv line 3: an open quote") {
		t.Errorf("the trigger's page after the health event:\n%s", v)
	}
}

// A warning whose message names its file and line already is not
// prefixed twice, and a long one wraps under its own indent.
func TestEditorWarningIsNamedOnceAndIndented(t *testing.T) {
	c, _ := newTestCommon(t)
	in := seedIntegrations(t, c)[0]
	in.Enabled = true
	ed := newEditor(c, in)
	ed.SetSize(100, 40)
	msg := "hires.csv line 3: a quoted field opens here and is not closed by the end of the file; this row and the line after it wait for its closing quote: fix the quote in the file, and they fire"
	s, _ := ed.Update(healthMsg{storage.TriggerHealth{State: storage.HealthOK, Warnings: []storage.TriggerWarning{
		{Reason: "stuck_row", File: "hires.csv", Line: 3, Message: msg, Standing: true}}}})
	v := plain(s)
	if strings.Count(v, "hires.csv line 3") != 1 {
		t.Errorf("the file and line are said %d times:\n%s", strings.Count(v, "hires.csv line 3"), v)
	}
	for _, line := range strings.Split(v, "\n") {
		if strings.Contains(line, "fix the quote") && !strings.Contains(line, "│   ") {
			t.Errorf("a wrapped warning line lost its indent: %q", line)
		}
	}
}

// The wizard's summary shows the trigger's path (or URL), so a typo can be
// caught at the review, and never a secret.
func TestWizardSummaryShowsTheTriggerSettings(t *testing.T) {
	got := triggerSettings(storage.Trigger{Type: "csv", Config: map[string]any{"path": "hr.csve", "key_column": "employee_id"}})
	if got != "path hr.csve · key_column employee_id" {
		t.Errorf("csv: %q", got)
	}
	if got := triggerSettings(storage.Trigger{Type: "webhook", Secrets: map[string]storage.Secret{"secret": "s3cret-value-0123456789"}}); strings.Contains(got, "s3cret") {
		t.Errorf("webhook: %q shows the secret", got)
	}
}

// A trigger page taller than the terminal says that it goes on, instead of
// stopping mid-sentence.
func TestEditorSaysWhenItsPaneIsCut(t *testing.T) {
	c, _ := newTestCommon(t)
	in := seedIntegrations(t, c)[0]
	in.Enabled = true
	ed := newEditor(c, in)
	ed.SetSize(80, 14)
	var ws []storage.TriggerWarning
	for i := range 6 {
		ws = append(ws, storage.TriggerWarning{Reason: "bad_row", File: "hires.csv", Line: i + 2, Message: "a quoted field opens here and is not closed by the end of the file; this row waits for its closing quote"})
	}
	s, _ := ed.Update(healthMsg{storage.TriggerHealth{State: storage.HealthOK, Warnings: ws}})
	if v := plain(s); !strings.Contains(v, "more lines (a taller terminal shows them)") {
		t.Errorf("a cut pane does not say so:\n%s", v)
	}
}
