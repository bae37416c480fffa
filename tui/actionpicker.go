package tui

import (
	"slices"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// actionPicker is the searchable list of connectors and their actions
// ("okta" narrows it to Okta's; "group" to the group memberships).
type actionPicker struct {
	c    *Common
	list *widget.Picker
}

type actionPickedMsg struct{ id string }

func newActionPicker(c *Common) *actionPicker {
	var items []widget.Item
	for _, a := range action.All() {
		items = append(items, widget.Item{Group: connectorName(a.Traits().Connector), Title: a.Title(),
			Desc: a.Description() + "  (" + a.ID() + ")", Value: a.ID()})
	}
	// Grouped by connector, in the order of the first action of each.
	rank := map[string]int{}
	for i, it := range items {
		if _, ok := rank[it.Group]; !ok {
			rank[it.Group] = i
		}
	}
	slices.SortStableFunc(items, func(x, y widget.Item) int { return rank[x.Group] - rank[y.Group] })
	list := newPicker(c, items, true)
	list.SetRank(actionRank)
	return &actionPicker{c: c, list: list}
}

// actionRank ranks a search's matches: 0 when every typed word is a whole
// word of the action's title or id (okta.deactivate_user: the id itself,
// okta, deactivate, user), 1 when each starts one, 2 when the words are
// only found elsewhere (the description: "Activate a user" mentions
// "deactivated" users and must not come before "Deactivate a user").
func actionRank(it widget.Item, words []string) int {
	id, _ := it.Value.(string)
	own := append(strings.FieldsFunc(strings.ToLower(it.Title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }),
		id)
	own = append(own, strings.FieldsFunc(id, func(r rune) bool { return r == '.' || r == '_' })...)
	all := func(match func(w, o string) bool) bool {
		for _, w := range words {
			if !slices.ContainsFunc(own, func(o string) bool { return match(w, o) }) {
				return false
			}
		}
		return true
	}
	switch {
	case all(func(w, o string) bool { return w == o }):
		return 0
	case all(func(w, o string) bool { return strings.HasPrefix(o, w) }):
		return 1
	}
	return 2
}

func (a *actionPicker) Init() tea.Cmd             { return nil }
func (a *actionPicker) Title() string             { return "Add action" }
func (a *actionPicker) Capturing() bool           { return true }
func (a *actionPicker) SetSize(w, h int)          { a.list.SetSize(w, h-2) }
func (a *actionPicker) FullHelp() [][]key.Binding { return [][]key.Binding{a.ShortHelp()} }
func (a *actionPicker) ShortHelp() []key.Binding {
	k := a.c.Keys
	return []key.Binding{withHelp(k.Up, "up"), withHelp(k.Down, "down"), withHelp(k.Enter, "choose"), k.Back}
}

func (a *actionPicker) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(km, a.c.Keys.Back):
			return a, pop
		case key.Matches(km, a.c.Keys.Enter):
			if it, ok := a.list.Selected(); ok {
				id := it.Value.(string)
				return a, tea.Sequence(pop, func() tea.Msg { return actionPickedMsg{id} })
			}
			return a, nil
		}
	}
	return a, a.list.Update(msg)
}

func (a *actionPicker) View() string {
	return a.c.Styles.Section.Render("Add an action: search the connectors") + "\n\n" + a.list.View()
}

// connectorName heads a connector's actions in the picker.
func connectorName(c action.Connector) string {
	switch c {
	case action.ConnectorOkta:
		return "Okta"
	case action.ConnectorKissflow:
		return "Kissflow"
	}
	return "Any system (HTTP)"
}

func actionTitle(id string) (string, bool) {
	if a, ok := action.Lookup(id); ok {
		return a.Title(), true
	}
	return "", false
}
