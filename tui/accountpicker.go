package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine/action"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// accountPicker chooses the account a step acts on (an Okta org, or a
// Kissflow account for a Kissflow step), or adds one.
type accountPicker struct {
	c         *Common
	connector action.Connector
	list      *widget.Picker
	w, h      int
}

type accountPickedMsg struct{ name string }

type accountsLoadedMsg struct {
	accounts []storage.Account
	err      error
}

const addAccountItem = "+add"

func newAccountPicker(c *Common, connector action.Connector) *accountPicker {
	return &accountPicker{c: c, connector: connector, list: newPicker(c, nil, false)}
}

// connectorOf is the kind of account an action needs.
func connectorOf(actionID string) action.Connector {
	if a, ok := action.Lookup(actionID); ok {
		return a.Traits().Connector
	}
	return action.ConnectorOkta
}

// pickAccount asks for the account of a step of actionID, or says at once
// that it needs none (an HTTP request).
func pickAccount(c *Common, actionID string) tea.Cmd {
	conn := connectorOf(actionID)
	if conn == action.ConnectorNone {
		return func() tea.Msg { return accountPickedMsg{} }
	}
	return push(newAccountPicker(c, conn))
}

// serves reports whether an account can be a step's of the connector.
func serves(a storage.Account, conn action.Connector) bool {
	if conn == action.ConnectorKissflow {
		return a.Kind == storage.AccountKissflow
	}
	return a.Kind != storage.AccountKissflow
}

func (a *accountPicker) load() tea.Cmd {
	b := a.c.Backend
	return func() tea.Msg {
		list, err := b.Accounts()
		return accountsLoadedMsg{list, err}
	}
}

func (a *accountPicker) Init() tea.Cmd             { return a.load() }
func (a *accountPicker) Title() string             { return "Account" }
func (a *accountPicker) Capturing() bool           { return false }
func (a *accountPicker) SetSize(w, h int)          { a.w, a.h = w, h; a.list.SetSize(w, h-2) }
func (a *accountPicker) FullHelp() [][]key.Binding { return [][]key.Binding{a.ShortHelp()} }
func (a *accountPicker) ShortHelp() []key.Binding {
	k := a.c.Keys
	return []key.Binding{k.Up, k.Down, withHelp(k.Enter, "choose"), k.Back}
}

func (a *accountPicker) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case accountsLoadedMsg:
		if msg.err != nil {
			return a, func() tea.Msg { return errMsg{msg.err} }
		}
		var items []widget.Item
		for _, acc := range msg.accounts {
			if !serves(acc, a.connector) {
				continue
			}
			desc := acc.OrgURL
			if acc.VerifiedAs != "" {
				desc += " · " + acc.VerifiedAs
			}
			items = append(items, widget.Item{Title: acc.Name, Desc: desc + " · " + acc.Kind, Value: acc.Name})
		}
		add := "connect an Okta org: domain and API token, or an OAuth service app"
		if a.connector == action.ConnectorKissflow {
			add = "connect a Kissflow account: its access key"
		}
		items = append(items, widget.Item{Title: "+ Add an account", Desc: add, Value: addAccountItem})
		a.list = newPicker(a.c, items, false)
		a.list.SetSize(a.w, a.h-2)
		return a, nil
	case accountSavedMsg:
		name := msg.account.Name
		return a, tea.Sequence(pop, func() tea.Msg { return accountPickedMsg{name} })
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, a.c.Keys.Back):
			return a, pop
		case key.Matches(msg, a.c.Keys.Enter):
			it, ok := a.list.Selected()
			if !ok {
				return a, nil
			}
			if it.Value == addAccountItem {
				kind := ""
				if a.connector == action.ConnectorKissflow {
					kind = kindKissflow
				}
				return a, push(newAccountFormOf(a.c, kind))
			}
			name := it.Value.(string)
			return a, tea.Sequence(pop, func() tea.Msg { return accountPickedMsg{name} })
		}
		return a, a.list.Update(msg)
	}
	return a, nil
}

func (a *accountPicker) View() string {
	what := "Okta account"
	if a.connector == action.ConnectorKissflow {
		what = "Kissflow account"
	}
	return a.c.Styles.Section.Render("Which "+what+" does this step act on?") + "\n\n" + a.list.View()
}
