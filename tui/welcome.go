package tui

import (
	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/tui/widget"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/oktaflow/oktaflow/storage"
)

// welcome is the first-run screen: no account yet. It offers to connect a
// real Okta org or to start the built-in sandbox org.
type welcome struct {
	c       *Common
	choices *widget.Picker
	busy    bool
	spin    spinner.Model
	w, h    int
}

type sandboxReadyMsg struct {
	account   storage.Account
	err, warn error
}

func newWelcome(c *Common) *welcome {
	items := []widget.Item{
		{Title: "Try it with a sandbox org", Desc: "a simulated Okta org on this machine, with a few users: nothing real is touched", Value: "sandbox"},
		{Title: "Kissflow → Okta: a ready integration", Desc: "simulated Kissflow and Okta: complete an onboarding item, the user appears in Okta and its id lands in the item", Value: "starter"},
		{Title: "Connect your Okta org", Desc: "your org's domain and an API token, or an OAuth service app", Value: "connect"},
	}
	w := &welcome{c: c, choices: newPicker(c, items, false)}
	w.spin = spinner.New(spinner.WithSpinner(spinner.Dot))
	return w
}

func (w *welcome) Init() tea.Cmd             { return nil }
func (w *welcome) Title() string             { return "Welcome" }
func (w *welcome) Capturing() bool           { return false }
func (w *welcome) SetSize(width, height int) { w.w, w.h = width, height; w.choices.SetSize(width, 6) }
func (w *welcome) ShortHelp() []key.Binding {
	k := w.c.Keys
	return []key.Binding{k.Up, k.Down, withHelp(k.Enter, "choose")}
}
func (w *welcome) FullHelp() [][]key.Binding { return [][]key.Binding{w.ShortHelp()} }

func (w *welcome) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case sandboxReadyMsg:
		w.busy = false
		if msg.err != nil {
			return w, func() tea.Msg { return errMsg{msg.err} }
		}
		return w, tea.Batch(replace(newIntegrations(w.c)), toast("Sandbox org ready, signed in as "+msg.account.VerifiedAs+" · its users: a (accounts)"), warnCmd(msg.warn))
	case starterReadyMsg:
		w.busy = false
		if msg.err != nil {
			return w, func() tea.Msg { return errMsg{msg.err} }
		}
		return w, tea.Sequence(replace(newIntegrations(w.c)), push(newEditor(w.c, msg.in)),
			toast("Ready: switch it ON (space), then complete an item: esc, a (accounts), kissflow, c"), warnCmd(msg.warn))
	case accountSavedMsg:
		return w, replace(newIntegrations(w.c))
	case spinner.TickMsg:
		if !w.busy {
			return w, nil
		}
		var cmd tea.Cmd
		w.spin, cmd = w.spin.Update(msg)
		return w, cmd
	case tea.KeyPressMsg:
		if w.busy {
			return w, nil
		}
		if key.Matches(msg, w.c.Keys.Enter) {
			it, _ := w.choices.Selected()
			if cmd := w.c.disabled(engine.OpAccounts); cmd != nil {
				return w, cmd
			}
			if it.Value == "starter" {
				w.busy = true
				return w, tea.Batch(w.spin.Tick, startStarter(w.c))
			}
			if it.Value == "sandbox" {
				w.busy = true
				b, ctx := w.c.Backend, w.c.Ctx
				return w, tea.Batch(w.spin.Tick, func() tea.Msg {
					a, err := b.CreateSandbox(ctx, "sandbox")
					fail, warn := outcome(err)
					return sandboxReadyMsg{a, fail, warn}
				})
			}
			return w, push(newAccountForm(w.c))
		}
		return w, w.choices.Update(msg)
	}
	return w, nil
}

func (w *welcome) View() string {
	st := w.c.Styles
	title := st.Brand.Render("Welcome to oktaflow")
	intro := wrap("Build Okta integrations from the terminal: a trigger (a webhook, a Kissflow item, a CSV row, an Okta event) runs actions: create, update, suspend or delete Okta users, change their groups, write back into the Kissflow item, call any HTTP API.\n\nTo start, connect an Okta org — or try everything on a sandbox org first.", min(w.w, 76))
	body := w.choices.View()
	if w.busy {
		what := "Starting the sandbox org: a simulated Okta org with a few users and custom attributes…"
		if it, _ := w.choices.Selected(); it.Value == "starter" {
			what = "Starting a simulated Okta org and a simulated Kissflow process, and saving the integration…"
		}
		body = w.spin.View() + " " + wrap(what, max(min(w.w, 76)-2, 20))
	}
	return lipgloss.JoinVertical(lipgloss.Left, "", title, "", intro, "", body)
}

// withHelp is b with other help text.
func withHelp(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}
