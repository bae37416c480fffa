package tui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/oktaflow/oktaflow/storage"
)

// send delivers msg to the wizard as the app would and runs what follows.
func send(t *testing.T, s Screen, msg tea.Msg) Screen {
	t.Helper()
	next, cmd := s.Update(msg)
	next, _ = runCmd(t, next, cmd)
	return next
}

func TestWizardStepsBackAndAddsActions(t *testing.T) {
	c, _ := newTestCommon(t)
	var s Screen = newWizard(c)
	s.SetSize(78, 20)
	s = typeText(t, s, "Onboard")
	s, _ = press(t, s, "enter")
	s, _ = press(t, s, "enter") // past the optional description
	w := s.(*wizard)
	if w.stage != wzTrigger {
		t.Fatalf("stage %d after the name", w.stage)
	}
	s = send(t, s, triggerDoneMsg{})
	s = send(t, s, actionPickedMsg{"okta.add_user"})
	s = send(t, s, accountPickedMsg{"sandbox"})
	if w := s.(*wizard); len(w.d.in.Steps) != 1 || w.stage != wzMapping {
		t.Fatalf("after the account: %d steps, stage %d", len(w.d.in.Steps), w.stage)
	}

	// Back from the mapping to the action: picking again replaces the step.
	s.(*wizard).stage = wzMapping
	s, _ = press(t, s, "esc") // → account, then action
	if w := s.(*wizard); w.stage != wzAction || !w.redo {
		t.Fatalf("esc from the mapping: stage %d redo %v", w.stage, w.redo)
	}
	s = send(t, s, actionPickedMsg{"okta.get_user"})
	s = send(t, s, accountPickedMsg{"sandbox"})
	if w := s.(*wizard); len(w.d.in.Steps) != 1 || w.d.in.Steps[0].Action != "okta.get_user" {
		t.Fatalf("a new pick must replace the step: %+v", w.d.in.Steps)
	}

	// On the review, + adds an action; closing its picker returns to the review.
	w = s.(*wizard)
	w.stage = wzReview
	s, _ = press(t, s, "+")
	if w := s.(*wizard); w.stage != wzAction || !w.adding {
		t.Fatalf("+ on the review: stage %d adding %v", w.stage, w.adding)
	}
	s = send(t, s, dataChangedMsg{}) // the picker closed with esc
	if w := s.(*wizard); w.stage != wzReview || len(w.d.in.Steps) != 1 {
		t.Fatalf("esc in the picker: stage %d, %d steps", w.stage, len(w.d.in.Steps))
	}
	s, _ = press(t, s, "+")
	s = send(t, s, actionPickedMsg{"okta.deactivate_user"})
	s = send(t, s, accountPickedMsg{"sandbox"})
	if w := s.(*wizard); len(w.d.in.Steps) != 2 || w.d.in.Steps[1].ID != "deactivate" {
		t.Fatalf("+ then a pick adds a second step: %+v", w.d.in.Steps)
	}
	// esc on the review steps back instead of discarding
	s.(*wizard).stage = wzReview
	s, msgs := press(t, s, "esc")
	if w := s.(*wizard); w.stage != wzTest || w.confirm != nil || len(msgs) != 0 {
		t.Fatalf("esc on the review: stage %d confirm %v msgs %v", w.stage, w.confirm, msgs)
	}
}

// The review can remove and reorder steps like the editor, and names a
// problem's place for people ("Step 1 · find · lastName", not steps[0]...).
func TestWizardReviewRemovesAndReorders(t *testing.T) {
	c, _ := newTestCommon(t)
	w := newWizard(c)
	w.d.in = storage.Integration{Name: "x", Trigger: storage.Trigger{Type: "manual"}, Steps: []storage.Step{
		{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"firstName": "{{ trigger.first }}"}},
		{ID: "off", Action: "okta.deactivate_user", Account: "sandbox", Fields: map[string]string{"id": "{{ steps.find.id }}"}},
	}}
	w.stage = wzReview
	w.SetSize(78, 20)
	var s Screen = w
	s, _ = runCmd(t, s, validate(c, w.d.in))
	if v := plain(s); !strings.Contains(v, "Step 1 · find") {
		t.Errorf("the review does not name the problem's place:\n%s", v)
	}
	s, _ = press(t, s, "down")
	s, _ = press(t, s, "K") // off before find
	if ids := []string{w.d.in.Steps[0].ID, w.d.in.Steps[1].ID}; ids[0] != "off" || ids[1] != "find" {
		t.Fatalf("K did not move the step up: %v", ids)
	}
	if v := plain(s); !strings.Contains(v, "steps.find") {
		t.Errorf("moving a step that reads a later one is not a problem shown:\n%s", v)
	}
	s, _ = press(t, s, "x")
	s, _ = press(t, s, "y")
	if len(w.d.in.Steps) != 1 || w.d.in.Steps[0].ID != "find" {
		t.Fatalf("x did not remove the selected step: %+v", w.d.in.Steps)
	}
}

// Going back from the review to any earlier stage and forward again
// replaces the wizard's step (the same action keeps its mapping); it never
// appends a copy, whichever stage esc lands on (QA: back to the trigger
// added "update2").
func TestWizardBackAndForwardReplacesTheStep(t *testing.T) {
	for _, tc := range []struct {
		escs   int
		lands  wizardStage
		action string
	}{
		{3, wzAction, "okta.update_user"},
		{3, wzAction, "okta.get_user"},
		{4, wzTrigger, "okta.update_user"},
		{4, wzTrigger, "okta.get_user"},
		{5, wzName, "okta.update_user"},
		{5, wzName, "okta.get_user"},
	} {
		c, _ := newTestCommon(t)
		var s Screen = newWizard(c)
		s.SetSize(78, 20)
		s = typeText(t, s, "Mover")
		s, _ = press(t, s, "enter")
		s, _ = press(t, s, "enter")
		s = send(t, s, triggerDoneMsg{})
		s = send(t, s, actionPickedMsg{"okta.update_user"})
		s = send(t, s, accountPickedMsg{"sandbox"})
		w := s.(*wizard)
		w.d.in.Steps[0].Fields = map[string]string{"department": "{{ trigger.dept }}"}
		w.stage = wzReview
		for range tc.escs {
			s, _ = press(t, s, "esc")
		}
		if w.stage != tc.lands {
			t.Fatalf("%d × esc from the review: stage %d, want %d", tc.escs, w.stage, tc.lands)
		}
		if w.stage == wzName {
			s, _ = press(t, s, "enter")
			s, _ = press(t, s, "enter")
		}
		if w.stage == wzTrigger {
			s = send(t, s, triggerDoneMsg{})
		}
		s = send(t, s, actionPickedMsg{tc.action})
		s = send(t, s, accountPickedMsg{"sandbox"})
		steps := s.(*wizard).d.in.Steps
		if len(steps) != 1 || steps[0].Action != tc.action {
			t.Errorf("%d × esc (stage %d), then %s: steps %+v, want the one step replaced", tc.escs, tc.lands, tc.action, steps)
			continue
		}
		if keep := tc.action == "okta.update_user"; keep != (len(steps[0].Fields) == 1) {
			t.Errorf("%d × esc, then %s: fields %v (the same action keeps its mapping, another starts empty)", tc.escs, tc.action, steps[0].Fields)
		}
	}
}

// The review's problems are wrapped in full, never cut ("… find.l…"), and
// those that do not fit are counted.
func TestWizardReviewShowsProblemsInFull(t *testing.T) {
	c, _ := newTestCommon(t)
	w := newWizard(c)
	w.d.in = storage.Integration{Name: "x", Trigger: storage.Trigger{Type: "manual"}, Steps: []storage.Step{
		{ID: "update2", Action: "okta.update_user", Account: "sandbox"},
	}}
	w.stage = wzReview
	w.SetSize(78, 20)
	var s Screen = w
	s, _ = runCmd(t, s, validate(c, w.d.in))
	v := flat(plain(s))
	if !strings.Contains(v, "✗ Step 1 · update2: map how to find the user: find.id, find.login, or find.firstName and find.lastName") || strings.Contains(v, "…") {
		t.Errorf("a problem is cut:\n%s", plain(s))
	}
	for _, l := range strings.Split(plain(s), "\n") {
		if len([]rune(l)) > 78 {
			t.Errorf("a line is wider than the screen: %q", l)
		}
	}
	// Many steps, many problems: what does not fit is counted, the screen's
	// height is kept.
	for i := range 8 {
		w.d.in.Steps = append(w.d.in.Steps, storage.Step{ID: "s" + itoa(i), Action: "okta.update_user", Account: "sandbox"})
	}
	s, _ = runCmd(t, s, validate(c, w.d.in))
	if v := plain(s); !strings.Contains(v, "more") || strings.Count(v, "\n")+1 > 20 {
		t.Errorf("%d lines for 20, or the rest is not counted:\n%s", strings.Count(v, "\n")+1, v)
	}
}

// esc on the wizard's test screen moves on to the review, and its footer
// says so; opened from the review (or the editor) it goes back, and says
// "back" (QA: the footer said "esc back" while esc went forward).
func TestWizardTestScreenSaysWhereEscGoes(t *testing.T) {
	c, _ := newTestCommon(t)
	w := newWizard(c)
	w.d.in = storage.Integration{Name: "x", Trigger: storage.Trigger{Type: "manual"}, Steps: []storage.Step{
		{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.login }}"}}}}
	w.SetSize(78, 20)
	escHelp := func(s Screen) string {
		for _, b := range s.ShortHelp() {
			if slices.Contains(b.Keys(), "esc") {
				return b.Help().Desc
			}
		}
		return ""
	}
	w.stage = wzTest
	_, msgs := runCmd(t, w, w.next())
	p, ok := hasMsg[pushMsg](msgs)
	if !ok {
		t.Fatalf("no test screen: %v", msgs)
	}
	if got := escHelp(p.screen); got != "continue to the review" {
		t.Errorf("in the wizard's flow the test screen's esc says %q", got)
	}
	var s Screen = w
	s = send(t, s, dataChangedMsg{}) // the test screen closed with esc
	if w.stage != wzReview {
		t.Fatalf("esc on the test screen went to stage %d, not the review", w.stage)
	}
	_, msgs = press(t, s, "ctrl+t")
	if p, ok = hasMsg[pushMsg](msgs); !ok || escHelp(p.screen) != "back" {
		t.Errorf("from the review the test screen's esc says %q, want back", escHelp(p.screen))
	}
}

// On the review, enter goes on as on every other stage of the wizard: it
// saves an integration that is ready, and with problems it opens the
// selected step's mapping to fix them (it reopened the test: QA, a
// newcomer pressed enter on "Ready to save" and was back on the test).
func TestWizardReviewEnterSavesWhenReady(t *testing.T) {
	c, _ := newTestCommon(t)
	w := newWizard(c)
	w.d.in = storage.Integration{Name: "enter saves", Trigger: storage.Trigger{Type: "manual"}, Steps: []storage.Step{
		{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{"login": "{{ trigger.email }}"}},
	}}
	w.stage = wzReview
	w.SetSize(78, 20)
	var s Screen = w
	s, _ = runCmd(t, s, validate(c, w.d.in))
	if v := plain(s); !strings.Contains(v, "enter saves it") {
		t.Errorf("the review does not say how to save:\n%s", v)
	}
	s, msgs := press(t, s, "enter")
	if note, ok := hasMsg[toastMsg](msgs); !ok || !strings.Contains(note.text, "Saved enter saves") || s.(*wizard).d.in.ID == "" {
		t.Fatalf("enter on a ready review did not save: %v\n%s", msgs, plain(s))
	}

	w = newWizard(c)
	w.d.in = storage.Integration{Name: "broken", Trigger: storage.Trigger{Type: "manual"}, Steps: []storage.Step{
		{ID: "find", Action: "okta.get_user", Account: "sandbox", Fields: map[string]string{}},
	}}
	w.stage = wzReview
	w.SetSize(78, 20)
	s = w
	s, _ = runCmd(t, s, validate(c, w.d.in))
	s, msgs = press(t, s, "enter")
	if s.(*wizard).d.in.ID != "" {
		t.Fatal("enter saved an integration with problems")
	}
	p, ok := hasMsg[pushMsg](msgs)
	if !ok {
		t.Fatalf("enter with problems opened nothing: %v", msgs)
	}
	if _, mapping := p.screen.(*mappingScreen); !mapping {
		t.Fatalf("enter with problems opened %T, want the step's mapping", p.screen)
	}
}
