package tui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/oktaflow/oktaflow/engine"
	"github.com/oktaflow/oktaflow/storage"
	"github.com/oktaflow/oktaflow/tui/widget"
)

// integrations is the home screen: every integration with its state, its
// trigger, its last run, today's runs and failures, and a spinner while
// runs are in flight.
type integrations struct {
	c       *Common
	rows    []integrationRow
	cursor  int
	loaded  bool
	spin    spinner.Model
	confirm *widget.Confirm
	w, h    int

	// One load at a time: events that arrive meanwhile mark the list
	// stale, and one more load follows. A burst of run events costs two
	// loads, not one per event, and an old answer never lands last.
	loading, stale bool
	spinning       bool
}

type integrationRow struct {
	in       storage.Integration
	health   storage.TriggerHealth // the trigger's polls: failing, since when, why
	last     *storage.RunBrief
	today    int
	failed   int
	inFlight bool
}

type integrationsLoadedMsg struct {
	rows []integrationRow
	err  error
}

// reload asks for a load, or marks the list stale while one runs.
func (s *integrations) reload() tea.Cmd {
	if s.loading {
		s.stale = true
		return nil
	}
	s.loading = true
	return s.load()
}

func newIntegrations(c *Common) *integrations {
	s := &integrations{c: c}
	s.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	return s
}

func (s *integrations) Init() tea.Cmd    { return tea.Batch(s.load(), s.spin.Tick) }
func (s *integrations) Title() string    { return "Integrations" }
func (s *integrations) Capturing() bool  { return s.confirm != nil }
func (s *integrations) SetSize(w, h int) { s.w, s.h = w, h }

func (s *integrations) Prompt() *widget.Confirm { return s.confirm }

func (s *integrations) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Enter, k.New}, {k.Toggle, k.RunNow, k.Delete}, {k.Runs, k.AllRuns, k.Accounts, k.Audit}}
}
func (s *integrations) ShortHelp() []key.Binding {
	k := s.c.Keys
	if editable, _ := s.c.can(engine.OpEditIntegration); !editable {
		return []key.Binding{withHelp(k.Enter, "open"), k.Runs, k.AllRuns, k.Accounts, k.Audit}
	}
	if len(s.rows) == 0 {
		return []key.Binding{k.New, k.Accounts, k.AllRuns, k.Audit}
	}
	return []key.Binding{k.New, withHelp(k.Enter, "edit"), k.Toggle, k.Runs, k.Accounts}
}

// load reads the list and each integration's run stats (counted from index
// keys, so the cost follows today's activity, not the history).
func (s *integrations) load() tea.Cmd {
	b := s.c.Backend
	return func() tea.Msg {
		list, err := b.Integrations()
		if err != nil {
			return integrationsLoadedMsg{err: err}
		}
		health, err := b.TriggerHealths()
		if err != nil {
			return integrationsLoadedMsg{err: err}
		}
		y, m, d := time.Now().Date()
		midnight := time.Date(y, m, d, 0, 0, 0, 0, time.Local)
		rows := make([]integrationRow, len(list))
		for i, in := range list {
			stats, err := b.IntegrationStats(in.ID, midnight)
			if err != nil {
				return integrationsLoadedMsg{err: err}
			}
			rows[i] = integrationRow{in: in, health: health[in.ID], last: stats.Last, today: stats.Since, failed: stats.FailedSince, inFlight: stats.Running > 0}
		}
		return integrationsLoadedMsg{rows: rows}
	}
}

// anyOn reports whether an integration is switched ON.
func (s *integrations) anyOn() bool {
	for _, r := range s.rows {
		if r.in.Enabled {
			return true
		}
	}
	return false
}

func (s *integrations) anyInFlight() bool {
	for _, r := range s.rows {
		if r.inFlight {
			return true
		}
	}
	return false
}

// spinIfRunning starts the spinner when a run is in flight and it rests.
func (s *integrations) spinIfRunning() tea.Cmd {
	if s.spinning || !s.anyInFlight() {
		return nil
	}
	s.spinning = true
	return s.spin.Tick
}

func (s *integrations) selected() (storage.Integration, bool) {
	if s.cursor < 0 || s.cursor >= len(s.rows) {
		return storage.Integration{}, false
	}
	return s.rows[s.cursor].in, true
}

func (s *integrations) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if ok, cmd := answer(&s.confirm, msg); ok {
		return s, cmd
	}
	switch msg := msg.(type) {
	case integrationsLoadedMsg:
		s.loading = false
		var next tea.Cmd
		if s.stale {
			s.stale = false
			next = s.reload()
		}
		if msg.err != nil {
			return s, tea.Batch(next, func() tea.Msg { return errMsg{msg.err} })
		}
		s.rows, s.loaded = msg.rows, true
		s.cursor = min(s.cursor, max(len(s.rows)-1, 0))
		return s, tea.Batch(next, s.spinIfRunning())
	case dataChangedMsg:
		// Back on top: answers (a load, a spinner tick) that arrived while
		// another screen was on top went to that screen, so start afresh.
		s.loading, s.stale, s.spinning = false, false, false
		return s, s.reload()
	case engineEventMsg:
		switch msg.ev.Kind {
		case engine.RunChanged, engine.IntegrationChanged, engine.Lagged, engine.TriggerHealthChanged:
			return s, s.reload() // a trigger that starts failing shows as it happens
		}
		return s, nil
	case spinner.TickMsg:
		if !s.anyInFlight() { // nothing running: let the spinner rest
			s.spinning = false
			return s, nil
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case toggledMsg:
		fail, warn := outcome(msg.err)
		if fail != nil {
			return s, func() tea.Msg { return errMsg{fail} }
		}
		return s, tea.Batch(s.reload(), toast(toggledNote(msg)), warnCmd(warn))
	case toggleAskMsg: // OFF would cancel waiting runs (toggle.go)
		s.confirm = askSwitchOff(s.c, msg.in)
		return s, nil
	case tea.KeyPressMsg:
		return s, s.onKey(msg)
	}
	return s, nil
}

// toggledMsg reports a switch ON or OFF.
type toggledMsg struct {
	name      string
	on        bool
	cancelled int
	err       error
}

// toggle switches an integration; switching ON validates it first.
func toggle(c *Common, in storage.Integration) tea.Cmd {
	b, ctx := c.Backend, c.Ctx
	on := !in.Enabled
	return func() tea.Msg {
		n, err := b.SetEnabled(ctx, in.ID, on, time.Time{})
		return toggledMsg{name: in.Name, on: on, cancelled: n, err: err}
	}
}

func (s *integrations) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	in, has := s.selected()
	switch {
	case key.Matches(msg, k.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Down):
		s.cursor = min(s.cursor+1, max(len(s.rows)-1, 0))
	case key.Matches(msg, k.Home):
		s.cursor = 0
	case key.Matches(msg, k.End):
		s.cursor = max(len(s.rows)-1, 0)
	case key.Matches(msg, k.New):
		if cmd := s.c.disabled(engine.OpEditIntegration); cmd != nil {
			return cmd
		}
		return push(newWizard(s.c))
	case key.Matches(msg, k.Enter) && has:
		return push(newEditor(s.c, in))
	case key.Matches(msg, k.Toggle) && has:
		if cmd := s.c.disabled(engine.OpToggle); cmd != nil {
			return cmd
		}
		return switchOnOff(s.c, in)
	case key.Matches(msg, k.Runs) && has:
		return push(newRuns(s.c, in.ID, in.Name))
	case key.Matches(msg, k.AllRuns):
		return push(newRuns(s.c, "", ""))
	case key.Matches(msg, k.RunNow) && has:
		if cmd := s.c.disabled(engine.OpRunNow); cmd != nil {
			return cmd
		}
		return push(newRunNow(s.c, in, nil))
	case key.Matches(msg, k.Accounts):
		return push(newAccounts(s.c))
	case key.Matches(msg, k.Audit):
		return push(newAudit(s.c))
	case key.Matches(msg, k.Delete) && has:
		if cmd := s.c.disabled(engine.OpDeleteIntegration); cmd != nil {
			return cmd
		}
		b, ctx := s.c.Backend, s.c.Ctx
		s.confirm = ask(s.c, fmt.Sprintf("Delete %q? Its queued runs are cancelled; its run history stays.", in.Name),
			func() tea.Msg {
				fail, warn := outcome(b.DeleteIntegration(ctx, in.ID))
				if fail != nil {
					return errMsg{fail}
				}
				if warn != nil {
					return changedWarnMsg{warn}
				}
				return dataChangedMsg{}
			}, nil)
	}
	return nil
}
