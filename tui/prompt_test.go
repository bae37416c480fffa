package tui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// Every question the app asks is on screen in full at 80×24, with its
// buttons and the footer's answer keys, whatever the screen below it
// holds (QA: the trigger settings' "Leave these settings…?" was drawn
// below the last line, so esc seemed to do nothing).
func TestPromptsAreShownInFullAt80x24(t *testing.T) {
	for _, tc := range []struct {
		name     string
		question string
		drive    func(g *gdrive)
	}{
		{"trigger settings", "Leave these settings without keeping them? (ctrl+s keeps them)", func(g *gdrive) {
			toWizard(g)
			g.keys("down", "down", "down")
			g.wait("▸ When Okta logs")
			g.keys("enter")
			g.wait("Event types")
			g.keys("tab", "tab")
			g.wait("┃ Other event types")
			g.keys("esc")
		}},
		{"trigger settings from the editor", "Leave these settings without keeping them? (ctrl+s keeps them)", func(g *gdrive) {
			toEditor(g)
			g.keys("T")
			g.wait("What starts this integration?")
			g.keys("down", "down", "down")
			g.wait("▸ When Okta logs")
			g.keys("enter")
			g.wait("Event types")
			g.keys("tab")
			for range 12 {
				g.keys("down")
			}
			g.wait("▸ [ ] group.user_membership.remove")
			g.keys("esc")
		}},
		{"wizard review with many problems", "Remove step 1 · find?", func(g *gdrive) {
			toHome(g)
			w := newWizard(g.c)
			w.d.in = storage.Integration{Name: "x", Trigger: storage.Trigger{Type: "manual"}}
			for i := range 7 {
				w.d.in.Steps = append(w.d.in.Steps, storage.Step{ID: []string{"find", "a", "b", "c", "d", "e", "f"}[i], Action: "okta.get_user", Account: "sandbox"})
			}
			w.stage = wzReview
			g.tm.Send(pushMsg{w})
			g.tm.Send(validate(g.c, w.d.in)())
			g.wait("to fix before")
			g.keys("x")
		}},
		{"delete", "Its queued runs are cancelled; its run history stays.", func(g *gdrive) { toHome(g); g.keys("x") }},
		{"test", "for real against", func(g *gdrive) { toTest(g); g.keys("ctrl+t") }},
		{"wizard discard", "Discard this new integration? Nothing was saved.", func(g *gdrive) {
			toHome(g)
			g.keys("n")
			g.wait("Name your integration")
			g.typ("Onboard")
			g.wait("“Onboard”")
			g.keys("esc")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, sim := newTestCommon(t)
			g := &gdrive{t: t, c: c, sim: sim}
			seedAll(g)
			g.tm = startApp(t, c, 80, 24)
			tc.drive(g)
			g.wait("Yes")
			frame := g.tm.app.LastFrame()
			a := finish(t, g.tm)
			_ = a
			flat := strings.Join(strings.Fields(ansi.Strip(frame)), " ")
			if !strings.Contains(flat, tc.question) {
				t.Errorf("the question %q is not on screen in full:\n%s", tc.question, ansi.Strip(frame))
			}
			lines := strings.Split(ansi.Strip(frame), "\n")
			if foot := lines[len(lines)-1]; !strings.Contains(foot, "y yes") || !strings.Contains(foot, "esc no") {
				t.Errorf("the footer does not say how to answer: %q\n%s", foot, ansi.Strip(frame))
			}
			assertFits(t, ansi.Strip(frame), 80, 24)
		})
	}
}

// asked is the question s has open, as the app draws it ("" when none).
func asked(s Screen) string {
	if p, ok := s.(prompter); ok && p.Prompt() != nil {
		return ansi.Strip(p.Prompt().View())
	}
	return ""
}

// A screen that keeps a question (a confirm field) lets the app draw it:
// it is a prompter. (A screen that drew its own would be cut again.)
func TestScreensWithQuestionsArePrompters(t *testing.T) {
	c, _ := newTestCommon(t)
	in := storage.Integration{ID: "int_x", Name: "Onboard", Trigger: storage.Trigger{Type: "webhook"}}
	for _, s := range []Screen{newIntegrations(c), newEditor(c, in), newTestRun(c, newDraft(in)), newAccounts(c),
		newAccountForm(c), newWizard(c), newTriggerForm(c, newDraft(in)), newMapping(c, newDraft(in), 0),
		newRuns(c, in.ID, in.Name), newRunDetail(c, 1), newAudit(c), newRunNow(c, in, nil), newActionPicker(c)} {
		v := reflect.ValueOf(s).Elem()
		for i := range v.NumField() {
			if v.Field(i).Type() == reflect.TypeFor[*widget.Confirm]() {
				if _, ok := s.(prompter); !ok {
					t.Errorf("%T keeps a question (%s) but is no prompter: the app would not draw it", s, v.Type().Field(i).Name)
				}
			}
		}
	}
}
