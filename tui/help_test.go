package tui

import (
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/oktaflow/oktaflow/storage"
)

// The full help (?) of every screen lists each key with its meaning once
// (QA: "esc back" twice on most screens: the screen's and the app's), and
// the wizard's review lists all its keys, J and ↑/↓ included.
func TestHelpListsEachKeyOnce(t *testing.T) {
	c, _ := newTestCommon(t)
	in := storage.Integration{ID: "int_x", Name: "Onboard", Trigger: storage.Trigger{Type: "webhook"},
		Steps: []storage.Step{{ID: "create", Action: "okta.add_user", Account: "sandbox"}}}
	review := newWizard(c)
	review.d.in, review.stage = in, wzReview
	screens := map[string]Screen{
		"home": newIntegrations(c), "editor": newEditor(c, in), "mapping": newMapping(c, newDraft(in), 0),
		"test": newTestRun(c, newDraft(in)), "runs": newRuns(c, in.ID, in.Name), "run detail": newRunDetail(c, 1),
		"audit": newAudit(c), "accounts": newAccounts(c), "account form": newAccountForm(c),
		"run now": newRunNow(c, in, nil), "wizard review": review, "action picker": newActionPicker(c),
	}
	names := make([]string, 0, len(screens))
	for n := range screens {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		s := screens[name]
		a := New(c)
		a.stack = []Screen{newIntegrations(c), s}
		seen := map[string]bool{}
		for _, g := range a.helpGroups(s) {
			for _, b := range g {
				entry := b.Help().Key + " " + b.Help().Desc
				if seen[entry] {
					t.Errorf("%s: the help lists %q twice", name, entry)
				}
				seen[entry] = true
			}
		}
		if n := strings.Count(a.fullHelp(s), "esc"); name != "mapping" && n > 2 { // its own line and "? or esc closes this help"
			t.Errorf("%s: esc is listed %d times:\n%s", name, n-1, a.fullHelp(s))
		}
	}
	a := New(c)
	a.stack = []Screen{newIntegrations(c), review}
	var keys []string
	for _, g := range a.helpGroups(review) {
		for _, b := range g {
			keys = append(keys, b.Keys()...)
		}
	}
	for _, want := range []key.Binding{c.Keys.Up, c.Keys.Down, c.Keys.MoveUp, c.Keys.MoveDown, c.Keys.Edit, c.Keys.Delete, c.Keys.AddStep, c.Keys.Test, c.Keys.Save, c.Keys.Back} {
		if !slices.Contains(keys, want.Keys()[0]) {
			t.Errorf("the review's help lacks %s %s: %v", want.Help().Key, want.Help().Desc, keys)
		}
	}
}
